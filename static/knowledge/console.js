// Operator console: knowledge-base matches for the caller's problem, refreshed ~300 ms after
// typing stops. Ticked articles stay in the list; the "answer on the spot" button posts the
// console form (form="console-form") with them. Labels come translated from data- attributes.
(function () {
  "use strict";
  var panel = document.getElementById("knowledge-panel");
  if (!panel) { return; }
  var list = document.getElementById("knowledge-hits");
  var title = document.getElementById("id_title");
  var description = document.getElementById("id_description");
  var region = document.getElementById("id_region");
  var timer = null;
  var seq = 0;
  function ticked() {
    var out = {};
    list.querySelectorAll("input[name=articles]:checked").forEach(function (box) {
      out[box.value] = box.closest("li");
    });
    return out;
  }
  function item(hit) {
    var li = document.createElement("li");
    li.setAttribute("data-article", hit.id);
    var label = document.createElement("label");
    label.htmlFor = "kb-article-" + hit.id;
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "articles";
    box.value = hit.id;
    box.id = "kb-article-" + hit.id;
    box.setAttribute("form", "console-form");
    var strong = document.createElement("strong");
    strong.textContent = hit.title;
    label.appendChild(box);
    label.appendChild(document.createTextNode(" "));
    label.appendChild(strong);
    li.appendChild(label);
    if (hit.overdue_review) {
      var badge = document.createElement("span");
      badge.className = "badge warn";
      badge.textContent = panel.getAttribute("data-needs-review");
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge);
    }
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = hit.summary;
    details.appendChild(summary);
    var body = document.createElement("p");
    body.textContent = hit.answer;
    details.appendChild(body);
    if (hit.policy) {
      var policy = document.createElement("p");
      policy.className = "muted";
      policy.textContent = panel.getAttribute("data-policy") + ": " + hit.policy;
      details.appendChild(policy);
    }
    li.appendChild(details);
    return li;
  }
  function refresh() {
    var text = ((title && title.value) || "") + " " + ((description && description.value) || "");
    if (text.trim().length < 2) { return; }
    var params = new URLSearchParams({ q: text.slice(0, 1000) });
    if (region && region.value) { params.set("region", region.value); }
    var mine = ++seq;
    fetch(panel.getAttribute("data-search-url") + "?" + params.toString(), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== seq) { return; }
        var keep = ticked();
        list.textContent = "";
        data.results.forEach(function (hit) {
          if (keep[hit.id]) { list.appendChild(keep[hit.id]); delete keep[hit.id]; }
          else { list.appendChild(item(hit)); }
        });
        Object.keys(keep).forEach(function (id) { list.appendChild(keep[id]); });
        if (!list.children.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = panel.getAttribute("data-none");
          list.appendChild(none);
        }
      })
      .catch(function () { /* the console works without suggestions */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  [title, description].forEach(function (el) { if (el) { el.addEventListener("input", later); } });
  if (region) { region.addEventListener("change", later); }
})();
