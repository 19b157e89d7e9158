// Filing form: one submit only (a double click creates one case; the server checks too),
// and the duplicate hint — open cases of the same category nearby, or with similar words.
(function () {
  "use strict";
  document.querySelectorAll("form[data-one-submit]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  var box = document.getElementById("duplicate-hint");
  if (!box) { return; }
  var list = document.getElementById("duplicate-list");
  var category = document.getElementById("id_category");
  var region = document.getElementById("id_region");
  var title = document.getElementById("id_title");
  var timer = null;
  function refresh() {
    var params = new URLSearchParams();
    if (category && category.value) { params.set("category", category.value); }
    if (region && region.value) { params.set("region", region.value); }
    if (title && title.value.length > 3) { params.set("q", title.value); }
    if (!params.toString()) { box.hidden = true; return; }
    fetch(box.getAttribute("data-url") + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        data.results.forEach(function (c) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "/public/cases/" + encodeURIComponent(c.number) + "/";
          a.textContent = c.title;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" · " + c.area + " · " + c.status_label + " · " + c.me_too));
          list.appendChild(li);
        });
        box.hidden = data.results.length === 0;
      })
      .catch(function () { box.hidden = true; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  [category, region].forEach(function (el) { if (el) { el.addEventListener("change", refresh); } });
  if (title) { title.addEventListener("input", later); }
})();
