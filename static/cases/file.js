// Filing form: one submit only (a double click creates one case; the server checks too), the
// duplicate hint — open cases of the same category nearby, or with similar words —, the
// step-by-step category picker and the location picker (map, "use my location").
// Progressive enhancement: without this file the plain fields do everything; the helpers in
// templates/cases/file.html stay hidden. Strings come from data- attributes (strict CSP).
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }
  function fire(el) { el.dispatchEvent(new Event("change", { bubbles: true })); }

  function oneSubmit() {
    document.querySelectorAll("form[data-one-submit]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      });
    });
  }

  function duplicateHint() {
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
  }

  // Three linked selects (first level → second level → leaf) over the tree the server wrote
  // once (json_script, "other" last in each level). The leaf sets the real `category` select,
  // which stays in the form with its filter box (civic/picker.js) as the search; a choice made
  // there moves the steps along. "Don't know" ticks the real `category_unknown` box.
  function categorySteps() {
    var data = document.getElementById("category-tree");
    var steps = document.getElementById("category-steps");
    var real = document.getElementById("id_category");
    if (!data || !steps || !real) { return; }
    var tree;
    try { tree = JSON.parse(data.textContent); } catch (e) { return; }
    var unknown = document.getElementById("id_category_unknown");
    var field = real.closest(".field");
    var selects = [1, 2, 3].map(function (i) { return steps.querySelector('[data-step="' + i + '"]'); });
    var label = function (name) { return steps.getAttribute("data-label-" + name) || ""; };
    var UNKNOWN = "unknown";
    var paths = {};  // leaf id → [first level, second level, leaf]
    tree.forEach(function (top) {
      top.children.forEach(function (mid) {
        mid.children.forEach(function (leaf) { paths[String(leaf.id)] = [top, mid, leaf]; });
      });
    });
    function id(node) { return node ? String(node.id) : ""; }
    function find(nodes, value) {
      for (var i = 0; i < nodes.length; i++) { if (String(nodes[i].id) === value) { return nodes[i]; } }
      return null;
    }
    function options(select, nodes, placeholder, extra) {
      select.textContent = "";
      select.appendChild(new Option(placeholder, ""));
      nodes.forEach(function (n) { select.appendChild(new Option(n.name, String(n.id))); });
      if (extra) { select.appendChild(new Option(extra, UNKNOWN)); }
      select.disabled = nodes.length === 0 && !extra;
    }
    // Shows the steps at (first, second, leaf) ids; changes nothing else.
    function show(topId, midId, leafId) {
      selects[0].value = topId;
      var top = find(tree, topId);
      options(selects[1], top ? top.children : [], top ? label("choose") : label("first"));
      selects[1].value = top ? midId : "";
      var mid = top ? find(top.children, midId) : null;
      options(selects[2], mid ? mid.children : [], mid ? label("choose") : label("second"));
      selects[2].value = mid ? leafId : "";
    }
    var setting = false;
    function setReal(value) {
      if (value && unknown) { unknown.checked = false; }
      if (real.value === value) { return; }
      setting = true;
      real.value = value;
      fire(real);
      setting = false;
    }
    function only(nodes) { return nodes && nodes.length === 1 ? nodes[0] : null; }
    selects[0].addEventListener("change", function () {
      var value = selects[0].value;
      if (value === UNKNOWN) {
        unknown.checked = true;
        show(UNKNOWN, "", "");
        setReal("");
        return;
      }
      if (unknown) { unknown.checked = false; }
      var top = find(tree, value);
      var mid = only(top && top.children);  // a single choice is made for the resident
      var leaf = only(mid && mid.children);
      show(value, id(mid), id(leaf));
      setReal(id(leaf));
    });
    selects[1].addEventListener("change", function () {
      var top = find(tree, selects[0].value);
      var mid = top ? find(top.children, selects[1].value) : null;
      var leaf = only(mid && mid.children);
      show(selects[0].value, selects[1].value, id(leaf));
      setReal(id(leaf));
    });
    selects[2].addEventListener("change", function () { setReal(selects[2].value); });
    function fromReal() {
      var path = paths[real.value];
      if (path) {
        if (unknown) { unknown.checked = false; }
        show(id(path[0]), id(path[1]), id(path[2]));
      } else if (unknown && unknown.checked) {
        show(UNKNOWN, "", "");
      } else {
        show(selects[0].value === UNKNOWN ? "" : selects[0].value, selects[1].value, "");
      }
    }
    real.addEventListener("change", function () { if (!setting) { fromReal(); } });
    if (unknown) {
      unknown.addEventListener("change", function () {
        if (unknown.checked) { show(UNKNOWN, "", ""); setReal(""); } else { show("", "", ""); }
      });
    }
    options(selects[0], tree, label("choose"), unknown ? label("unknown") : "");
    field.parentNode.insertBefore(steps, field);
    var hint = document.getElementById("category-search-hint");
    var realLabel = field.querySelector('label[for="' + real.id + '"]');
    if (hint && realLabel) { realLabel.parentNode.insertBefore(hint, realLabel.nextSibling); hint.hidden = false; }
    show("", "", "");
    fromReal();
    steps.hidden = false;
  }

  // The point: "use my location" (navigator.geolocation) or a tap on a small map. The real
  // lat/lng fields stay in the form, folded under "enter the coordinates by hand".
  function locationPicker() {
    var box = document.getElementById("location-picker");
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    if (!box || !lat || !lng) { return; }
    var latField = lat.closest(".field");
    var lngField = lng.closest(".field");
    var coords = document.getElementById("location-coordinates");
    latField.parentNode.insertBefore(box, latField);
    coords.appendChild(latField);
    coords.appendChild(lngField);
    if (latField.classList.contains("has-error") || lngField.classList.contains("has-error")) { coords.open = true; }
    var label = function (name) { return box.getAttribute("data-label-" + name) || ""; };
    var chosen = document.getElementById("location-chosen");
    var message = document.getElementById("location-message");
    var useButton = document.getElementById("use-my-location");
    var clearButton = document.getElementById("clear-location");
    var el = document.getElementById("location-map");
    var tiles = box.getAttribute("data-tiles");
    var map = null;
    var marker = null;

    function say(name) {
      message.textContent = name ? label(name) : "";
      message.hidden = !name;
    }
    function point() {
      var a = parseFloat(lat.value);
      var b = parseFloat(lng.value);
      if (!isFinite(a) || !isFinite(b) || Math.abs(a) > 90 || Math.abs(b) > 180) { return null; }
      return [a, b];
    }
    function showPoint() {
      var p = point();
      chosen.textContent = p ? fill(label("chosen"), { lat: p[0].toFixed(5), lng: p[1].toFixed(5) }) : label("none");
      box.setAttribute("data-point", p ? "1" : "");
      clearButton.hidden = !p;
      if (!map) { return; }
      if (p && marker) {
        marker.setLatLng(p);
      } else if (p) {
        marker = L.circleMarker(p, { radius: 9, weight: 3, color: "#7a1c14", fillColor: "#b3261e", fillOpacity: 0.8, interactive: false }).addTo(map);
      } else if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    }
    function setPoint(a, b) {
      lat.value = a.toFixed(6);
      lng.value = b.toFixed(6);
      fire(lat);
      fire(lng);
      showPoint();
    }
    function closer(p) {
      if (map) { map.setView(p, Math.max(map.getZoom(), tiles ? 15 : 11)); }
    }

    function drawBasemap(url) {
      window.civicBasemap(map, el, { url: url, faint: !!tiles, credit: label("basemap") });
    }
    function startMap() {
      if (map || typeof L === "undefined") { return; }
      var p = point();
      map = L.map(el, { attributionControl: true }).setView(p || [39.91, 116.40], p ? (tiles ? 15 : 11) : 9);
      if (tiles) {
        L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
      } else {
        el.classList.add("no-tiles");
      }
      var basemap = box.getAttribute("data-basemap");
      if (basemap) { drawBasemap(basemap); }
      map.on("click", function (e) {
        say(null);
        setPoint(e.latlng.lat, e.latlng.lng);
        // A tap on the whole city is coarse (hundreds of metres a pixel): the map comes closer
        // around it, and a second tap places the point more precisely.
        if (map.getZoom() < (tiles ? 15 : 11)) { closer(point()); }
      });
      map.on("zoomend", function () { el.setAttribute("data-zoom", String(map.getZoom())); });
      showPoint();
      el.setAttribute("data-zoom", String(map.getZoom()));
      el.setAttribute("data-ready", "1");
    }

    useButton.addEventListener("click", function () {
      if (!navigator.geolocation || window.isSecureContext === false) { say("unsupported"); return; }
      say("locating");
      useButton.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        useButton.disabled = false;
        say(null);
        setPoint(position.coords.latitude, position.coords.longitude);
        startMap();
        closer(point());
      }, function (err) {
        useButton.disabled = false;
        say(err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    clearButton.addEventListener("click", function () {
      lat.value = "";
      lng.value = "";
      fire(lat);
      fire(lng);
      say(null);
      showPoint();
    });
    [lat, lng].forEach(function (input) { input.addEventListener("input", showPoint); });

    box.hidden = false;
    if (typeof L === "undefined") {
      el.hidden = true;  // no map library: the button and the fields still work
    } else if ("IntersectionObserver" in window) {
      // The map and its outlines (190 kB) load when the form is scrolled to them.
      var watch = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { watch.disconnect(); startMap(); }
      }, { rootMargin: "200px" });
      watch.observe(el);
    } else {
      startMap();
    }
    showPoint();
  }

  oneSubmit();
  duplicateHint();
  categorySteps();
  locationPicker();
})();
