// Loads a creator's scorecard section into the creator page. Without
// JavaScript the section keeps its link to the full scorecard page.
(function () {
  "use strict";
  function load() {
    var box = document.getElementById("creator-scorecard");
    if (!box || box.dataset.loaded) return;
    box.dataset.loaded = "1";
    var slot = box.querySelector(".scorecard-slot");
    fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var sec = doc.getElementById("scorecard-section");
        if (sec && slot) slot.replaceChildren(document.importNode(sec, true));
      })
      .catch(function () { /* keep the link */ });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load); else load();
})();
