// Reply templates: fill the reply box from a template; the handler edits before sending.
(function () {
  "use strict";
  var box = document.getElementById("reply-templates");
  var text = document.getElementById("id_reply_text");
  if (!box || !text) { return; }
  var select = document.getElementById("reply-template");
  fetch(box.getAttribute("data-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { templates: [] }; })
    .then(function (data) {
      if (!data.templates.length) { return; }
      var empty = document.createElement("option");
      empty.value = ""; empty.textContent = "—";
      select.appendChild(empty);
      data.templates.forEach(function (t, i) {
        var o = document.createElement("option");
        o.value = String(i); o.textContent = t.title;
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        if (select.value !== "") { text.value = data.templates[Number(select.value)].text; text.focus(); }
      });
      box.hidden = false;
    });
  document.querySelectorAll("form[data-one-submit]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
