/* Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy needs no inline script. */
(function () {
  "use strict";
  // The language switcher sends its form as soon as a language is picked (the <noscript> button otherwise).
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
})();
(function () {
  "use strict";
  // "/" moves to the search box of the header, unless the user is typing somewhere.
  var box = document.getElementById("search-q");
  if (!box) { return; }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
