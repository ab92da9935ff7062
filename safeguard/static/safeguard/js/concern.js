// Raising a concern: a pupil ticked in the search results stays named when the results change
// (they are replaced as the name is typed), so it moves to the list of pupils named so far.
(function () {
  "use strict";
  function chosenList(form) {
    var list = form.querySelector("[data-sg-chosen]");
    if (!list) {
      list = document.createElement("ul");
      list.className = "list-unstyled mb-2";
      list.setAttribute("data-sg-chosen", "");
      list.setAttribute("aria-label", "Pupils named so far");
      var query = form.querySelector("#pupil-query");
      query.parentNode.parentNode.insertBefore(list, query.parentNode.previousElementSibling);
    }
    return list;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("#concern-pupil-results input[type=checkbox][name=pupils]") || !box.checked) {
      return;
    }
    var form = box.closest("form");
    var item = box.closest("li");
    if (form.querySelector("[data-sg-chosen] input[value='" + box.value + "']")) {
      item.remove();
      return;
    }
    chosenList(form).appendChild(item);
  });
})();
