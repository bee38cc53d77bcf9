// Poll the plan's solve progress and reload the page once the job has finished.
(function () {
  "use strict";
  var bar = document.getElementById("solve-progress");
  var status = document.getElementById("solve-status");
  if (!bar || !status) { return; }
  var interval = parseInt(bar.getAttribute("data-interval"), 10) || 1000;
  function poll() {
    fetch(bar.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.json(); })
      .then(function (job) {
        if (job.error) { status.textContent = job.error; return; }
        bar.value = job.fraction;
        status.textContent = job.text;
        if (job.done) { window.location.reload(); } else { window.setTimeout(poll, interval); }
      })
      .catch(function () { window.setTimeout(poll, interval * 3); });
  }
  window.setTimeout(poll, interval);
})();
