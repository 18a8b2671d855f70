// Commission plan editor: add and remove rows of tiers, overrides and
// milestones, and validate the plan as it is typed. The form is posted
// (debounced) to its data-check-url, which answers
// {"errors": {field: message}, "summary": "..."}; each message is shown
// beside its field. Field names follow the API: "tiers[1].from", where the
// index is the row's position in its table. Without JavaScript, the page
// shows blank rows and the server validates on save.
(function () {
  "use strict";
  var form = document.getElementById("plan-editor");
  if (!form || !document.getElementById("plan-save")) return;
  var checkURL = form.getAttribute("data-check-url");
  var csrf = form.querySelector('input[name="_csrf"]');
  var summary = document.getElementById("plan-summary");
  var timer = null;
  var seq = 0;

  function clearRow(row) {
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll("[data-err-for]").forEach(function (el) { el.textContent = ""; });
  }

  function addRemove(tbody, row) {
    var cell = row.querySelector(".row-actions");
    if (!cell || cell.querySelector("button")) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary outline row-remove";
    b.textContent = "Remove";
    b.setAttribute("aria-label", "Remove this row");
    b.addEventListener("click", function () {
      if (tbody.querySelectorAll("tr[data-row]").length > 1) {
        row.remove();
      } else {
        clearRow(row);
      }
      schedule();
    });
    cell.appendChild(b);
  }

  form.querySelectorAll("tbody[data-rows]").forEach(function (tbody) {
    var rows = tbody.querySelectorAll("tr[data-row]");
    rows.forEach(function (row) { addRemove(tbody, row); });
    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary outline row-add";
    add.textContent = "Add a row";
    add.addEventListener("click", function () {
      var first = tbody.querySelector("tr[data-row]");
      if (!first) return;
      var row = first.cloneNode(true);
      var old = row.querySelector(".row-remove");
      if (old) old.remove();
      clearRow(row);
      tbody.appendChild(row);
      addRemove(tbody, row);
      var input = row.querySelector("input");
      if (input) input.focus();
    });
    tbody.closest("table").insertAdjacentElement("afterend", add);
  });

  // show puts each message beside its field and clears the others.
  function show(errors) {
    form.querySelectorAll("[data-err]").forEach(function (el) {
      var prefix = "";
      var row = el.closest("tr[data-row]");
      if (row) {
        var tbody = row.parentNode;
        var i = Array.prototype.indexOf.call(tbody.querySelectorAll("tr[data-row]"), row);
        prefix = tbody.getAttribute("data-rows") + "[" + i + "].";
      }
      var keys = el.getAttribute("data-err").split(" ");
      var msg = "";
      keys.forEach(function (k) { if (!msg && errors[prefix + k]) msg = errors[prefix + k]; });
      var scope = row || el.closest("label") || form;
      var out = scope.querySelector('[data-err-for="' + el.getAttribute("data-err") + '"]');
      if (msg) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
      if (out) out.textContent = msg;
    });
    var tiers = form.querySelector('[data-err-for="tiers"]');
    if (tiers) tiers.textContent = errors.tiers || "";
  }

  function check() {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    fetch(checkURL, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf ? csrf.value : "" }
    })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (res) {
        if (mine !== seq) return; // a newer check is on its way
        show(res.errors || {});
        if (summary) summary.textContent = res.summary || "";
      })
      .catch(function () { /* the server validates again on save */ });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
