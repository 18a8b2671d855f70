// CSV import progress: while an import runs, polls its progress
// (GET /orders/import/:id/progress) into the <progress> bar and the counts,
// and reloads the page, which then shows the report, when it ends. Without
// JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var keys = ["total", "processed", "created", "existing", "failed"];

  function show(p) {
    if (bar) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.processed;
      bar.textContent = Math.floor((100 * p.processed) / Math.max(p.total, 1)) + "%";
    }
    keys.forEach(function (k) {
      var el = box.querySelector('[data-count="' + k + '"]');
      if (el) el.textContent = String(p[k]);
    });
  }

  function poll(delay) {
    setTimeout(function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (p) {
          show(p);
          if (p.status === "importing") poll(1000);
          else window.location.reload();
        })
        .catch(function () { poll(5000); });
    }, delay);
  }
  poll(500);
})();
