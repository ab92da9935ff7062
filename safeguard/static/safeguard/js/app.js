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

  // Hide screen (as CPOMS offers): one click on the button, or Escape, blanks the page at once.
  function wireHideScreen() {
    var cover = document.getElementById("sg-screen-cover");
    var hideButton = document.getElementById("sg-hide-screen");
    var showButton = document.getElementById("sg-show-screen");
    if (!cover || !hideButton) { return; }
    var main = document.querySelectorAll("body > :not(#sg-screen-cover)");
    var title = document.title;
    function hide() {
      cover.classList.remove("d-none");
      main.forEach(function (el) { el.setAttribute("inert", ""); el.setAttribute("aria-hidden", "true"); });
      document.title = "Safeguard";
      showButton.focus();
    }
    function show() {
      cover.classList.add("d-none");
      main.forEach(function (el) { el.removeAttribute("inert"); el.removeAttribute("aria-hidden"); });
      document.title = title;
      hideButton.focus();
    }
    hideButton.addEventListener("click", hide);
    showButton.addEventListener("click", show);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && cover.classList.contains("d-none")) { hide(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireAutosubmit(document);
    wireHideScreen();
  });
})();
