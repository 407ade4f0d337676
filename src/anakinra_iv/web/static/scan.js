// Scan fields: a USB barcode scanner types the code followed by Enter. Enter in a scan field
// moves the focus to the field named by data-scan-next (the next scan field, then the submit
// button) instead of submitting the form, so that a scan never records an event by itself.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-scan-next]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        var next = document.getElementById(input.dataset.scanNext);
        if (next) { next.focus(); }
      });
    });
  });
})();
