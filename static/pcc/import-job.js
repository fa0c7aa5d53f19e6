/* Polls an import's progress (data-status-url on this <script>); when it ends, reloads the page if it is done
   or goes to data-done-url (the preview) otherwise. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.dataset.statusUrl;
  var done = script.dataset.doneUrl;
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("job-status").textContent = s.status_display;
      document.getElementById("job-progress").value = s.percent;
      document.getElementById("job-rows").textContent = s.rows_done;
      document.getElementById("job-total").textContent = s.rows_total || "?";
      document.getElementById("job-errors").textContent = s.errors;
      if (s.active) { setTimeout(poll, 1000); } else if (s.status === "done") { window.location.reload(); } else { window.location = done; }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
