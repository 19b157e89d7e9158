// Public map: coarse case points on Leaflet. Tiles only when a tile server is configured
// (closed networks get a plain background with the points, which still works).
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
  var detail = el.getAttribute("data-detail");
  fetch(el.getAttribute("data-points"), { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var open = feature.properties.status !== "closed";
          return L.circleMarker(latlng, { radius: 7, weight: 1, color: open ? "#b3261e" : "#1b6e3a", fillOpacity: 0.7 });
        },
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          var box = document.createElement("div");
          var link = document.createElement("a");
          link.href = detail.replace("NUMBER", encodeURIComponent(p.number));
          link.textContent = p.title;
          box.appendChild(link);
          var meta = document.createElement("div");
          meta.textContent = p.category + " · " + p.area + " · " + p.status_label;
          box.appendChild(meta);
          marker.bindPopup(box);
        }
      }).addTo(map);
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
      } else {
        document.getElementById("case-map-empty").hidden = false;
      }
      el.setAttribute("data-loaded", String(data.features.length));
    });
})();
