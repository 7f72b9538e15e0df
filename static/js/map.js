// The one place every map is made. Leaflet takes its zoom limits from the tile layer; with no
// tile server configured there is none, and the marker-cluster layer then refuses to draw
// ("Map has no maxZoom specified"), so the limits are set on the map itself.
(function () {
  if (!window.L) { return; }
  var MAX_ZOOM = 19;
  window.ccmsMap = function (el, options) {
    var map = L.map(el, Object.assign({ minZoom: 3, maxZoom: MAX_ZOOM }, options || {}));
    var tiles = el.dataset.tileUrl;
    if (tiles) { L.tileLayer(tiles, { maxZoom: MAX_ZOOM, attribution: "" }).addTo(map); }
    return map;
  };
})();
