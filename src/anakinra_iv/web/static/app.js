// Live calculation on order entry: the form's fields are sent to its data-preview URL and the
// returned HTML fragment replaces the element named by data-target (as htmx's hx-get would).
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
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview]").forEach(wire);
    // Print buttons (the Content-Security-Policy allows no inline script such as onclick).
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
