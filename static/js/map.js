// The one place every map is made. Leaflet takes its zoom limits from the tile layer; with no
// tile server configured there is none, and the marker-cluster layer then refuses to draw
// ("Map has no maxZoom specified"), so the limits are set on the map itself.
//
// With no tile server the map draws the offline base map instead: the district, street and
// community outlines the office uploaded (/points/basemap/), with their names, under the
// points and issues. The outlines are not interactive, so clicks reach the markers.
(function () {
  if (!window.L) { return; }
  var MAX_ZOOM = 19;
  var DEFAULT_URL = "/points/basemap/data/";
  var STYLE = {
    district: { color: "#6c4f9e", weight: 2.5, fillColor: "#ede7f6", fillOpacity: 0.35 },
    street: { color: "#0d6efd", weight: 1.5, fillColor: "#e7f1ff", fillOpacity: 0.25, dashArray: "6 4" },
    community: { color: "#6c757d", weight: 1, fillColor: "#f8f9fa", fillOpacity: 0.15, dashArray: "2 4" }
  };
  var cache = {};

  function hasMarkers(map, basemap) {
    var found = false;
    map.eachLayer(function (layer) {
      if (typeof layer.getLatLng === "function" && !(layer instanceof L.Tooltip) &&
          !(basemap && basemap.hasLayer(layer))) { found = true; }
    });
    return found;
  }

  function drawBasemap(map, url) {
    if (!map.getPane("ccms-basemap")) {
      var pane = map.createPane("ccms-basemap");
      pane.style.zIndex = 350;  // under the markers (overlay pane, 400)
      pane.style.pointerEvents = "none";
    }
    var group = L.featureGroup().addTo(map);
    cache[url] = cache[url] || fetch(url, { credentials: "same-origin",
                                            headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { layers: [] }; })
      .catch(function () { return { layers: [] }; });
    cache[url].then(function (data) {
      (data.layers || []).forEach(function (layer) {
        var style = STYLE[layer.kind] || STYLE.street;
        L.geoJSON(layer.features, {
          pane: "ccms-basemap", interactive: false, renderer: L.svg({ pane: "ccms-basemap" }),
          style: function () { return style; },
          onEachFeature: function (feature, shape) {
            var name = feature.properties && feature.properties.name;
            if (name) {
              shape.bindTooltip(name, { permanent: true, direction: "center", interactive: false,
                                        className: "ccms-basemap-label ccms-basemap-" + layer.kind });
            }
          }
        }).addTo(group);
      });
      map.getContainer().dataset.basemapLayers = String((data.layers || []).length);
      if (group.getLayers().length && !hasMarkers(map, group)) {
        var bounds = group.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
      }
    });
    return group;
  }

  window.ccmsMap = function (el, options) {
    var map = L.map(el, Object.assign({ minZoom: 3, maxZoom: MAX_ZOOM }, options || {}));
    var tiles = el.dataset.tileUrl;
    if (tiles) { L.tileLayer(tiles, { maxZoom: MAX_ZOOM, attribution: "" }).addTo(map); }
    if ((!tiles && el.dataset.basemap !== "off") || el.dataset.basemap === "always") {
      map.ccmsBasemap = drawBasemap(map, el.dataset.basemapUrl || DEFAULT_URL);
    }
    return map;
  };
})();
