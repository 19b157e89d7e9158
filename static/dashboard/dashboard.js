/* 数据驾驶舱: polls the API and redraws figures, tables and charts (no inline script or style:
   CSP). Column headers and every text come from the page, already translated. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var last = Date.now();

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }
  function fmt(value, format) {
    if (value === null || value === undefined) { return "—"; }
    return String(value) + (format === "pct" ? "%" : "");
  }
  var paths = {
    intake: "intake", trend: "trend", categories_first: "top_categories.first",
    categories_second: "top_categories.second", heat: "heat", hot_topics: "hot_topics", themes: "themes"
  };

  function fillValues(data) {
    root.querySelectorAll("[data-value]").forEach(function (el) {
      var v = get(data, el.getAttribute("data-value"));
      if (el.hasAttribute("data-time") && typeof v === "string") { v = v.slice(0, 16).replace("T", " "); }
      el.textContent = fmt(v, el.getAttribute("data-format"));
    });
  }

  function fillTable(table, rows) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var body = table.querySelector("tbody");
    var empty = body.querySelector("td.muted");
    var emptyText = empty ? empty.textContent : "—";
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (!rows || !rows.length) {
      var tr0 = document.createElement("tr"), td0 = document.createElement("td");
      td0.colSpan = heads.length; td0.className = "muted"; td0.textContent = emptyText;
      tr0.appendChild(td0); body.appendChild(tr0);
      return;
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      heads.forEach(function (th, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { cell.setAttribute("scope", "row"); } else { cell.setAttribute("data-label", th.textContent); }
        cell.textContent = fmt(row[th.getAttribute("data-field")], th.getAttribute("data-format"));
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
  }

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawBars(svg, rows) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var labelField = svg.getAttribute("data-label-field"), valueField = svg.getAttribute("data-value-field");
    rows = (rows || []).slice(0, 12);
    var n = Math.max(rows.length, 1), h = n * 18 + 4;
    svg.setAttribute("viewBox", "0 0 320 " + h);
    var max = Math.max.apply(null, rows.map(function (r) { return r[valueField] || 0; }).concat([1]));
    var step = 18;
    rows.forEach(function (r, i) {
      var v = r[valueField] || 0, y = i * step;
      svg.appendChild(el("text", { x: 0, y: y + step * 0.7 }, String(r[labelField]).slice(0, 7)));
      svg.appendChild(el("rect", { x: 110, y: y + step * 0.15, height: step * 0.7, width: Math.max(1, 170 * v / max), "class": "bar" }));
      svg.appendChild(el("text", { x: 114 + 170 * v / max, y: y + step * 0.7 }, String(v)));
    });
  }

  // The districts' outlines come projected on the circles' own plane (dashboard.selectors
  // heat_map): paths first, names over them, circles on top.
  function drawHeat(svg, points, outlines) {
    var w = root.getAttribute("data-heat-w"), h = root.getAttribute("data-heat-h");
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.appendChild(el("rect", { x: 0, y: 0, width: w, height: h, "class": "heat-bg" }));
    var shapes = el("g", { "class": "heat-districts" }), names = el("g", { "class": "heat-district-names" });
    (outlines || []).forEach(function (o) {
      var path = el("path", { d: o.d, "class": "heat-district" });
      path.appendChild(el("title", {}, o.name));
      shapes.appendChild(path);
      if (o.lx !== null && o.lx !== undefined) {
        names.appendChild(el("text", { x: o.lx, y: o.ly, "class": "heat-district-name" }, o.name));
      }
    });
    svg.appendChild(shapes);
    svg.appendChild(names);
    (points || []).forEach(function (p) {
      var c = el("circle", { cx: p.x, cy: p.y, r: p.r, "class": "heat-" + p.level });
      c.appendChild(el("title", {}, p.name + " " + p.count));
      svg.appendChild(c);
    });
  }

  function render(data) {
    fillValues(data);
    Object.keys(paths).forEach(function (section) {
      var rows = get(data, paths[section]);
      root.querySelectorAll('table[data-section="' + section + '"]').forEach(function (t) { fillTable(t, rows); });
      root.querySelectorAll('svg[data-chart="' + section + '"]').forEach(function (svg) {
        if (section === "heat") { drawHeat(svg, rows, data.heat_outlines); } else { drawBars(svg, rows); }
      });
    });
    root.setAttribute("data-refreshed", String(Date.now()));
  }

  // The interval is read on every tick, so a test (or an operator's console) may shorten it.
  function tick() {
    var seconds = parseFloat(root.getAttribute("data-poll-seconds")) || 30;
    if (Date.now() - last >= seconds * 1000) { poll(); } else { window.setTimeout(tick, 500); }
  }

  function poll() {
    last = Date.now();
    fetch(root.getAttribute("data-api"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* next poll tries again */ })
      .then(function () { window.setTimeout(tick, 500); });
  }
  poll();
}());
