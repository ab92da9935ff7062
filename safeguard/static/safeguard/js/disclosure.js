// The disclosure form: add and remove rows of children, and pick pupils from the search results.
// Loaded as a file (the Content-Security-Policy forbids inline script). Works with the keyboard:
// every control is a real button, and focus moves to the row just added.
(function () {
  "use strict";

  function totalInput(prefix) {
    return document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  }

  function announce(text) {
    var status = document.getElementById("draft-status") || document.querySelector("[role=status]");
    if (status) { status.textContent = text; }
  }

  function addRow(prefix) {
    var template = document.getElementById(prefix + "-template");
    var total = totalInput(prefix);
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    document.querySelector("[data-formset-prefix='" + prefix + "']").appendChild(row);
    total.value = String(index + 1);
    return row;
  }

  // The first field a person can type in: not the row's hidden "delete" box (it comes first).
  function firstField(row) {
    var fields = row.querySelectorAll("input:not([type=hidden]), select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].getClientRects().length && !fields[i].disabled) { return fields[i]; }
    }
    return null;
  }

  function rowsChanged() {
    var none = document.getElementById("no-pupils");
    if (none) {
      var visible = document.querySelectorAll("#pupil-rows [data-row]:not(.d-none)").length;
      none.classList.toggle("d-none", visible > 0);
    }
    document.body.dispatchEvent(new CustomEvent("sg:rows-changed", { bubbles: true }));
  }

  function alreadyListed(pupilId) {
    var found = false;
    document.querySelectorAll("#pupil-rows [data-row]:not(.d-none) input[type=hidden][name$='-pupil']").forEach(function (input) {
      if (input.value === pupilId) { found = true; }
    });
    return found;
  }

  document.addEventListener("click", function (event) {
    var pick = event.target.closest(".sg-pupil-pick");
    if (pick) {
      var pupilId = pick.getAttribute("data-pupil-id");
      var label = pick.getAttribute("data-pupil-label");
      var single = pick.closest("[data-pupil-target]");
      if (single) {
        // A form that takes one pupil (adding a child to an existing case).
        var target = document.getElementById(single.getAttribute("data-pupil-target"));
        target.value = pupilId;
        document.getElementById(single.getAttribute("data-pupil-target") + "-label").textContent = label;
        announce("Chosen: " + label);
        return;
      }
      if (alreadyListed(pupilId)) { announce(label + " is already listed."); return; }
      var row = addRow("pupils");
      row.querySelector("input[name$='-pupil']").value = pupilId;
      row.querySelector("[data-pupil-label]").textContent = label;
      var select = row.querySelector("select");
      if (select) { select.focus(); }
      announce("Added " + label + ". Choose their part.");
      rowsChanged();
      return;
    }
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var newRow = addRow(add.getAttribute("data-add-row"));
      var first = firstField(newRow);
      if (first) { first.focus(); }
      announce("A row for another child was added.");
      rowsChanged();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var victim = remove.closest("[data-row]");
      var del = victim.querySelector("input[name$='-DELETE']");
      if (del) { del.checked = true; }
      victim.classList.add("d-none");
      var search = document.getElementById("pupil-search");
      if (search) { search.focus(); }
      announce("Removed.");
      rowsChanged();
    }
  });
})();
