/* Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy needs no inline script. */
(function () {
  "use strict";
  // The language switcher sends its form as soon as a language is picked (the <noscript> button otherwise).
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
})();
