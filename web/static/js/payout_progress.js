// Payout batch progress: while a batch's Stripe transfers are being sent,
// polls GET /payouts/:id/progress every second into the <progress> bar and
// the counts, and reloads the page (which then shows each item's outcome)
// when the sending stops or the batch's status changes. Transfers waiting
// with nothing sending them (an interrupted run: the page offers "Resume")
// are watched for a few seconds only. Without JavaScript the page refreshes
// itself while sending (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("payout-progress");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var status = box.getAttribute("data-status");
  if (!box.getAttribute("data-live")) return; // nothing is being sent: nothing to watch
  var bar = box.querySelector("progress");
  var keys = ["sent", "paid", "pending", "failed", "items"];
  var running = box.getAttribute("data-running") === "1";
  var idle = 0; // polls in a row with transfers waiting and nothing sending them

  function show(p) {
    if (bar) {
      bar.max = 100;
      bar.value = p.percent;
      bar.textContent = p.percent + "%";
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
          if (p.status !== status || (!p.running && (p.sending === 0 || running))) {
            window.location.reload();
            return;
          }
          running = p.running;
          idle = p.running ? 0 : idle + 1;
          if (idle < 5) poll(1000);
        })
        .catch(function () { poll(5000); });
    }, delay);
  }
  poll(1000);
})();
