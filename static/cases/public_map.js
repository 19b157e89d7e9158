// Public map: asks the server for what is in view (bbox + zoom, with the list's filters).
// Zoomed out it draws one bubble per area with its count; zoomed in, the newest cases in view,
// one marker per place (cases sit at their community's centre or a 100 m square, never an exact
// address). Under them the districts' outlines, from a static file (no download from outside);
// tiles too when a tile server is configured (MAP_TILE_URL).
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { attributionControl: true }).setView([39.91, 116.40], 11);
  var tiles = el.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  // The base map: the districts' outlines (static/vendor/basemap), drawn in a pane of their
  // own under the bubbles and never interactive, so every click reaches the cases.
  function drawBasemap(url) {
    window.civicBasemap(map, el, { url: url, faint: !!tiles, credit: label("basemap") });
  }
  var basemapUrl = el.getAttribute("data-basemap");

  var pointsUrl = el.getAttribute("data-points");
  var listUrl = el.getAttribute("data-list");
  var detail = el.getAttribute("data-detail");
  var label = function (name) { return el.getAttribute("data-label-" + name) || ""; };
  var note = document.getElementById("case-map-note");
  var empty = document.getElementById("case-map-empty");
  var layer = L.layerGroup().addTo(map);
  var pending = null;
  var fitted = false;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }
  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }
  function line(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div;
  }
  function areaList(regionId) {
    return listUrl + (listUrl.indexOf("?") < 0 ? "?" : "&") + "region=" + encodeURIComponent(regionId);
  }

  // The zoom that shows the next finer level (districts → streets → communities → cases):
  // the server's steps (public.selectors.MAP_AREA_LEVELS), passed in data-levels.
  var levels = (el.getAttribute("data-levels") || "11,13,16").split(",").map(Number);
  function nextZoom(zoom) {
    for (var i = 0; i < levels.length; i++) { if (zoom < levels[i]) { return levels[i]; } }
    return zoom + 1;
  }

  function drawAreas(features) {
    features.forEach(function (f) {
      var p = f.properties;
      var latlng = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var radius = 10 + 5 * Math.log10(p.cases + 1);
      var bubble = L.circleMarker(latlng, {
        radius: radius, weight: 1, color: "#7a1c14", fillColor: p.open ? "#b3261e" : "#1b6e3a", fillOpacity: 0.55
      });
      bubble.bindTooltip(String(p.cases), { permanent: true, direction: "center", className: "map-count" });
      var box = document.createElement("div");
      box.appendChild(line(p.name + " · " + p.level));
      box.appendChild(line(fill(label("counts"), { n: p.cases, open: p.open })));
      var actions = document.createElement("div");
      actions.className = "map-actions";
      var closer = document.createElement("button");
      closer.type = "button";
      closer.className = "secondary";
      closer.textContent = label("zoom");
      closer.addEventListener("click", function () {
        map.closePopup();
        map.setView(latlng, nextZoom(map.getZoom()));
      });
      actions.appendChild(closer);
      actions.appendChild(link(areaList(p.region), label("list")));
      box.appendChild(actions);
      bubble.bindPopup(box);
      layer.addLayer(bubble);
    });
  }

  function drawPoints(features) {
    var places = {};
    features.forEach(function (f) {
      var key = f.geometry.coordinates.join(",");
      (places[key] = places[key] || []).push(f);
    });
    Object.keys(places).forEach(function (key) {
      var cases = places[key];
      var first = cases[0];
      var latlng = [first.geometry.coordinates[1], first.geometry.coordinates[0]];
      var open = cases.some(function (f) { return f.properties.status !== "closed"; });
      var marker = L.circleMarker(latlng, {
        radius: 8 + Math.min(cases.length, 12), weight: 1, color: open ? "#b3261e" : "#1b6e3a", fillOpacity: 0.7
      });
      var box = document.createElement("div");
      box.className = "map-place";
      cases.slice(0, 10).forEach(function (f) {
        var p = f.properties;
        var item = document.createElement("div");
        item.appendChild(link(detail.replace("NUMBER", encodeURIComponent(p.number)), p.title));
        item.appendChild(line(p.category + " · " + p.area + " · " + p.status_label));
        box.appendChild(item);
      });
      if (cases.length > 10) {
        box.appendChild(link(areaList(first.properties.region), fill(label("more"), { n: cases.length - 10 })));
      }
      marker.bindPopup(box, { maxHeight: 260, maxWidth: 300 });
      layer.addLayer(marker);
    });
  }

  function load() {
    var url = pointsUrl + (pointsUrl.indexOf("?") < 0 ? "?" : "&") + "zoom=" + map.getZoom();
    if (fitted) {
      var b = map.getBounds();
      var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)).toFixed(5); };
      url += "&bbox=" + [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                         clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(",");
    }
    if (pending) { pending.abort(); }
    pending = typeof AbortController !== "undefined" ? new AbortController() : null;
    el.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "application/json" }, signal: pending ? pending.signal : undefined })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        layer.clearLayers();
        var props = data.properties || {};
        if (props.mode === "points") { drawPoints(data.features); } else { drawAreas(data.features); }
        empty.hidden = data.features.length > 0;
        note.hidden = !props.partial;
        note.textContent = props.mode === "points" ? label("newest") : label("partial");
        el.setAttribute("data-mode", props.mode || "");
        el.setAttribute("data-loaded", String(data.features.length));
        el.removeAttribute("aria-busy");
        if (!fitted) {
          fitted = true;
          if (data.features.length) {
            var bounds = L.latLngBounds(data.features.map(function (f) {
              return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
            }));
            map.fitBounds(bounds, { maxZoom: 13, padding: [20, 20] });
          }
          map.on("moveend", load);
        }
      })
      .catch(function (err) { if (!err || err.name !== "AbortError") { el.removeAttribute("aria-busy"); } });
  }
  if (basemapUrl) { drawBasemap(basemapUrl); }
  load();
})();
