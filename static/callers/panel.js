// Caller history on the operator console (来电弹屏): once the number in id_reporter_phone looks
// complete, fetch the caller's earlier cases and show them, open ones first, each open one with
// a button that submits the console form as a repeat call of that case.
(function () {
  "use strict";
  var panel = document.getElementById("caller-panel");
  var input = document.getElementById("id_reporter_phone");
  if (!panel || !input) { return; }
  var t = function (name) { return panel.getAttribute("data-t-" + name) || ""; };
  var minDigits = parseInt(panel.getAttribute("data-min-digits"), 10) || 7;
  var summary = panel.querySelector("[data-role=summary]");
  var openBox = panel.querySelector("[data-role=open]");
  var closedBox = panel.querySelector("[data-role=closed]");
  var allLink = panel.querySelector("[data-role=all]");
  var timer = null;
  var asked = "";
  var FULL = "０１２３４５６７８９";
  // The console re-rendered after a refused repeat call stands at the repeat URL; its form
  // (no action of its own) must still record an ordinary call through the console.
  var consoleForm = document.getElementById("console-form");
  if (consoleForm && !consoleForm.getAttribute("action")) {
    consoleForm.setAttribute("action", panel.getAttribute("data-console-url"));
  }

  function digits(value) {
    var out = "";
    for (var i = 0; i < value.length; i++) {
      var c = value.charAt(i);
      var k = FULL.indexOf(c);
      if (k >= 0) { out += String(k); } else if (c >= "0" && c <= "9") { out += c; }
    }
    return out;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function caseItem(c) {
    var li = el("li", "caller-case");
    li.setAttribute("data-number", c.number);
    var a = el("a", "", c.number + " " + c.title);
    a.href = c.url;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "badge", c.status_label));
    if (c.overdue) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "badge overdue", t("overdue"))); }
    var facts = [t("received") + " " + c.received];
    if (c.lead_unit) { facts.push(t("unit") + " " + c.lead_unit); }
    if (c.handle_due) { facts.push(t("due") + " " + c.handle_due); }
    li.appendChild(el("div", "muted", facts.join(" · ")));
    if (c.repeat_url) {
      var b = el("button", "button", t("repeat"));
      b.type = "submit";
      b.setAttribute("form", "console-form");
      b.setAttribute("formaction", c.repeat_url);
      b.setAttribute("data-testid", "repeat-" + c.number);
      b.addEventListener("click", function (event) {
        if (!window.confirm(t("confirm"))) { event.preventDefault(); }
      });
      li.appendChild(b);
    }
    return li;
  }

  function section(box, title, cases) {
    box.textContent = "";
    if (!cases.length) { return; }
    box.appendChild(el("h3", "", title));
    var ul = el("ul", "plain");
    cases.forEach(function (c) { ul.appendChild(caseItem(c)); });
    box.appendChild(ul);
  }

  function show(data) {
    summary.textContent = "";
    if (data.frequent) { summary.appendChild(el("span", "badge warn", t("frequent"))); summary.appendChild(el("br")); }
    if (!data.open.length && !data.closed.length) {
      summary.appendChild(document.createTextNode(t("none")));
    } else {
      summary.appendChild(document.createTextNode(
        t("counts").replace("%(d30)s", data.count_30_days).replace("%(d90)s", data.count_90_days)));
    }
    section(openBox, t("open"), data.open);
    section(closedBox, t("closed"), data.closed);
  }

  function refresh() {
    var value = input.value;
    if (digits(value).length < minDigits) { panel.hidden = true; asked = ""; return; }
    if (value === asked) { return; }
    asked = value;
    panel.hidden = false;
    summary.textContent = t("loading");
    openBox.textContent = "";
    closedBox.textContent = "";
    allLink.href = panel.getAttribute("data-page-url") + "?phone=" + encodeURIComponent(value);
    fetch(panel.getAttribute("data-url") + "?phone=" + encodeURIComponent(value), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (input.value !== value) { return; }  // the operator typed on meanwhile
        if (!res.ok) {
          var fields = (res.body.extra && res.body.extra.fields) || {};
          summary.textContent = (fields.phone && fields.phone[0]) || res.body.message || t("failed");
          return;
        }
        show(res.body);
      })
      .catch(function () { summary.textContent = t("failed"); asked = ""; });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  input.addEventListener("change", refresh);
  refresh();  // a console re-rendered with the number already in it
})();
