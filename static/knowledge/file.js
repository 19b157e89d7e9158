// Filing page: "this may answer your question" — up to three public FAQ articles matching what
// the resident types (title and description; nothing personal is sent).
(function () {
  "use strict";
  var box = document.getElementById("faq-hint");
  if (!box) { return; }
  var list = document.getElementById("faq-hint-list");
  var title = document.getElementById("id_title");
  var description = document.getElementById("id_description");
  var category = document.getElementById("id_category");
  var timer = null;
  var last = "";
  function refresh() {
    var text = (((title && title.value) || "") + " " + ((description && description.value) || "").slice(0, 150)).trim();
    if (text.length < 4) { box.hidden = true; return; }
    var params = new URLSearchParams({ q: text.slice(0, 300) });
    if (category && category.value) { params.set("category", category.value); }
    var key = params.toString();
    if (key === last) { return; }
    last = key;
    fetch(box.getAttribute("data-url") + "?" + key, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        list.textContent = "";
        data.results.forEach(function (a) {
          var li = document.createElement("li");
          var link = document.createElement("a");
          link.href = a.url;
          link.target = "_blank";
          link.rel = "noopener";
          link.textContent = a.title;
          li.appendChild(link);
          var p = document.createElement("div");
          p.className = "muted";
          p.textContent = a.summary;
          li.appendChild(p);
          list.appendChild(li);
        });
        box.hidden = data.results.length === 0;
      })
      .catch(function () { box.hidden = true; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 500); }
  [title, description].forEach(function (el) { if (el) { el.addEventListener("input", later); } });
  if (category) { category.addEventListener("change", later); }
})();
