// A filter box before each long picker (select[data-filter], or a list of checkboxes in
// [data-filter-list]): typing part of a name hides the options that do not contain it.
// Without JavaScript the grouped list still works on its own.
(function () {
  "use strict";
  function box(target, label) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-filter";
    input.setAttribute("aria-label", label);
    input.placeholder = label;
    target.parentNode.insertBefore(input, target);
    return input;
  }
  function matches(text, query) { return text.toLowerCase().indexOf(query) !== -1; }
  var meta = document.querySelector('meta[name="civic-filter-label"]');
  var label = (meta && meta.getAttribute("content")) || "Filter";
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    if (select.options.length < 12) { return; }
    var input = box(select, label);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      select.querySelectorAll("option").forEach(function (o) {
        o.hidden = q !== "" && o.value !== "" && !matches(o.textContent, q);
      });
      select.querySelectorAll("optgroup").forEach(function (g) {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
    });
  });
  document.querySelectorAll("[data-filter-list]").forEach(function (list) {
    var input = box(list, label);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      list.querySelectorAll("label").forEach(function (l) {
        l.hidden = q !== "" && !matches(l.textContent, q) && !l.querySelector("input:checked");
      });
      list.querySelectorAll("[data-group]").forEach(function (g) {
        g.hidden = !g.querySelector("label:not([hidden])");
      });
    });
  });
})();
