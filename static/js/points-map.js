// Point maps (list map, point detail, circle detail). Markers are SVG circle markers drawn by
// Leaflet, so the map works with no tile server at all (see map.js).
(function () {
  const el = document.getElementById("point-map");
  if (!el || typeof L === "undefined") return;
  const COLORS = { none: "#198754", inactive: "#6c757d", open: "#fd7e14", overdue: "#dc3545" };
  const map = window.ccmsMap(el).setView([38.933, 100.455], 13);
  const cluster = typeof L.markerClusterGroup === "function"
    ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
    : L.layerGroup();
  map.addLayer(cluster);

  function popup(row) {
    const box = document.createElement("div");
    const title = document.createElement(el.dataset.detail ? "a" : "strong");
    title.textContent = row[1];
    if (el.dataset.detail) title.href = el.dataset.detail.replace("/0/", "/" + row[0] + "/");
    const meta = document.createElement("div");
    meta.className = "small text-muted";
    meta.textContent = row[4];
    box.append(title, meta);
    return box;
  }

  function draw(rows) {
    const markers = rows.map((row) => {
      const color = COLORS[row[5]] || COLORS.none;
      return L.circleMarker([row[2], row[3]], {
        radius: 7, color: "#fff", weight: 1.5, fillColor: color, fillOpacity: 0.9,
      }).bindPopup(() => popup(row));
    });
    cluster.addLayers ? cluster.addLayers(markers) : markers.forEach((m) => cluster.addLayer(m));
    const ring = el.dataset.circleRadius
      ? L.circle([+el.dataset.circleLat, +el.dataset.circleLng], {
        radius: +el.dataset.circleRadius, color: "#0d6efd", weight: 2, fillOpacity: 0.05,
      }).addTo(map)
      : null;
    const count = document.getElementById("map-count");
    if (count) count.textContent = "共 " + rows.length + " 个点位";
    if (ring) {
      map.fitBounds(ring.getBounds(), { padding: [20, 20] });
    } else if (rows.length === 1) {
      map.setView([rows[0][2], rows[0][3]], +(el.dataset.zoom || 16));
    } else if (rows.length) {
      map.fitBounds(L.latLngBounds(rows.map((r) => [r[2], r[3]])), { padding: [20, 20] });
    }
  }

  if (el.dataset.source) {
    const source = document.getElementById(el.dataset.source);
    draw(source ? JSON.parse(source.textContent) : []);
  } else if (el.dataset.url) {
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((data) => draw(data.points || []))
      .catch(() => {
        const count = document.getElementById("map-count");
        if (count) count.textContent = "点位数据加载失败，请刷新重试。";
      });
  }
})();
