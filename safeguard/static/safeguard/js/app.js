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

  function inField(element) {
    if (!element || !element.closest) { return false; }
    return Boolean(element.isContentEditable || element.closest("input, textarea, select, [contenteditable]"));
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
    // Escape in a field belongs to the field (a search box clears, a select closes, a half-typed
    // word is not lost behind the cover): there the Hide screen button does it.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !cover.classList.contains("d-none") || inField(event.target)) { return; }
      hide();
    });
  }

  // A table that is wider than its scroller (a long one on a phone) says so just above it, while
  // it is; the scroller is a labelled region that takes focus, so the keyboard scrolls it too.
  function updateScrollHints() {
    document.querySelectorAll(".table-responsive[role=region]").forEach(function (region, index) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      var hint = region.previousElementSibling;
      var shown = Boolean(hint && hint.classList.contains("sg-scroll-hint"));
      if (scrolls && !shown) {
        hint = document.createElement("p");
        hint.className = "sg-scroll-hint";
        hint.id = "sg-scroll-hint-" + index;
        hint.textContent = "Wider than the screen: scroll the table sideways to see all of it.";
        region.parentNode.insertBefore(hint, region);
        region.setAttribute("aria-describedby", hint.id);
      } else if (!scrolls && shown) {
        hint.remove();
        region.removeAttribute("aria-describedby");
      }
      region.classList.toggle("sg-scrolls", scrolls);
    });
  }

  function wireScrollHints() {
    var pending = false;
    function soon() {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; updateScrollHints(); });
    }
    updateScrollHints();
    window.addEventListener("resize", soon);
    document.body.addEventListener("htmx:afterSettle", soon);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireAutosubmit(document);
    wireHideScreen();
    wireScrollHints();
  });
})();
