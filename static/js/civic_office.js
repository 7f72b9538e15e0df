// The moderation map: one circle marker per report (drawn without any tile server), tiles
// from data-tiles when the intranet has them; a marker opens the report.
(function () {
  var el = document.getElementById("civic-office-map");
  if (!el || typeof L === "undefined") { return; }
  var source = document.getElementById(el.dataset.source);
  var rows = source ? JSON.parse(source.textContent) : [];
  var map = window.ccmsMap(el).setView([38.933, 100.455], 12);
  var markers = rows.map(function (row) {
    var link = document.createElement("a");
    link.href = el.dataset.detail.replace("/0/", "/" + row[0] + "/");
    link.textContent = "#" + row[0] + " " + row[3] + " · " + row[4];
    return L.circleMarker([row[1], row[2]], { radius: 7, color: "#fff", weight: 1.5,
      fillColor: "#b71c1c", fillOpacity: 0.85 }).bindPopup(link).addTo(map);
  });
  var count = document.getElementById("civic-map-count");
  if (count) { count.textContent = rows.length ? "地图上显示 " + rows.length + " 条有坐标的随手拍" : "没有带坐标的随手拍"; }
  if (markers.length === 1) { map.setView([rows[0][1], rows[0][2]], 16); }
  else if (markers.length) { map.fitBounds(L.latLngBounds(rows.map(function (r) { return [r[1], r[2]]; })), { padding: [20, 20] }); }
})();
