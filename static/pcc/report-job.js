/* Polls a PDF job's status (data-status-url on this <script>) and reloads the page when it ends (or fails
   because its worker stopped). */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.dataset.statusUrl;
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (r.status === 404) { window.location.reload(); }  // gone (or no longer yours): the page says so
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (s) {
      document.getElementById("job-status").textContent = s.status_display;
      if (!s.active) { window.location.reload(); } else { setTimeout(poll, 1500); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
