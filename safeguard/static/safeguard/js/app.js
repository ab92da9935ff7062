// Safeguard's small behaviours. Loaded as a file: the Content-Security-Policy forbids inline script.
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form on change; their "Switch" button is then hidden.
  function wireAutosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var form = select.form;
      form.querySelectorAll(".sg-noscript-submit").forEach(function (b) { b.classList.add("sg-js-hidden"); });
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireAutosubmit(document);
  });
})();
