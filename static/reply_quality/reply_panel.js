// Reply suggestions and the check before sending (工单质检). Without this script the reply form
// sends as before; with it, a draft with warnings waits for "Send anyway" or "Keep editing".
(function () {
  "use strict";
  var panel = document.getElementById("reply-quality");
  var form = document.getElementById("reply-form");
  if (!panel || !form) { return; }
  var text = form.querySelector("textarea[name=text]");
  var result = form.querySelector("[name=result]");
  var box = document.getElementById("reply-quality-warnings");
  var list = box.querySelector("[data-warnings]");
  var confirmed = false;

  panel.querySelectorAll("[data-use-reply]").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-text");
      if (text.value.trim() && text.value !== value &&
          !window.confirm(panel.getAttribute("data-confirm-overwrite"))) { return; }
      text.value = value;
      text.focus();
    });
  });

  function send() {
    confirmed = true;
    box.hidden = true;
    form.submit();
  }

  function show(warnings) {
    list.textContent = "";
    warnings.forEach(function (w) {
      var item = document.createElement("li");
      item.textContent = w.message;
      item.setAttribute("data-warning", w.code);
      list.appendChild(item);
    });
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  box.querySelector("[data-send-anyway]").addEventListener("click", send);
  box.querySelector("[data-keep-editing]").addEventListener("click", function () {
    box.hidden = true;
    text.focus();
  });

  form.addEventListener("submit", function (event) {
    if (confirmed) { return; }
    event.preventDefault();
    var body = new FormData();
    body.append("case", panel.getAttribute("data-case"));
    body.append("text", text.value);
    body.append("result", result ? result.value : "");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(panel.getAttribute("data-check-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        // No verdict (an invalid draft, an error): the server's own form checks answer.
        if (!data || !data.warnings || !data.warnings.length) { send(); return; }
        show(data.warnings);
      })
      .catch(send);
  });
})();
