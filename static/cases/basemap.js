// The offline base map shared by the public map and the filing form's map picker: the city's
// district outlines (static/vendor/basemap) drawn in a pane of their own under everything else
// and never interactive, so every click and tap reaches the map's own layers.
// civicBasemap(map, el, {url, faint, credit}): `faint` when tiles are shown under it; `credit`
// is the translated attribution; el gets data-basemap-districts once drawn.
(function () {
  "use strict";
  window.civicBasemap = function (map, el, options) {
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = 350;  // below the overlay pane (400)
    fetch(options.url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.statusText); } return r.json(); })
      .then(function (data) {
        L.geoJSON(data, {
          pane: "basemap", interactive: false,
          style: { color: "#6b7280", weight: 1, opacity: 0.9, fillColor: "#ffffff", fillOpacity: options.faint ? 0.1 : 0.45 }
        }).addTo(map);
        data.features.forEach(function (f) {
          var spot = f.properties.label;
          if (!spot) { return; }
          var name = document.createElement("span");
          name.textContent = f.properties.name;
          L.marker([spot[1], spot[0]], {
            pane: "basemap", interactive: false, keyboard: false,
            icon: L.divIcon({ className: "map-district-name", html: name, iconSize: null })
          }).addTo(map);
        });
        var credit = document.createElement("span");
        credit.textContent = options.credit;
        map.attributionControl.addAttribution(credit.outerHTML);
        el.setAttribute("data-basemap-districts", String(data.features.length));
      })
      .catch(function () { /* the map still works, on a plain background */ });
  };
})();
