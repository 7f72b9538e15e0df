// Open issues as clustered markers; without a tile server the markers still draw on a blank map.
(function () {
  var el = document.getElementById("issue-map");
  if (!el || !window.L) { return; }
  var features = JSON.parse(document.getElementById("issue-features").textContent);
  var map = window.ccmsMap(el);
  var group = L.markerClusterGroup ? L.markerClusterGroup() : L.featureGroup();
  features.forEach(function (f) {
    var link = document.createElement("a");
    link.href = f.url;
    link.textContent = f.title + "（" + f.status + "）";
    L.marker([f.lat, f.lng]).bindPopup(link).addTo(group);
  });
  group.addTo(map);
  if (features.length) { map.fitBounds(group.getBounds().pad(0.1)); } else { map.setView([36.06, 103.83], 12); }
})();
