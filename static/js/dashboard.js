// Ranking page: the 8-week trend (ECharts) and the map of overdue issues (Leaflet).
(function () {
  var chartEl = document.getElementById("dashboard-trend");
  if (chartEl && window.echarts) {
    var trend = JSON.parse(document.getElementById("dashboard-trend-data").textContent);
    var chart = echarts.init(chartEl);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: trend.labels },
      yAxis: { type: "value", min: 0, max: 100 },
      series: trend.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: true,
                 lineStyle: s.name === "平均" ? { type: "dashed" } : undefined };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var mapEl = document.getElementById("dashboard-map");
  if (mapEl && window.L) {
    var points = JSON.parse(document.getElementById("dashboard-map-data").textContent);
    var map = L.map(mapEl);
    if (mapEl.dataset.tileUrl) { L.tileLayer(mapEl.dataset.tileUrl, { maxZoom: 19 }).addTo(map); }
    var group = L.featureGroup();
    points.forEach(function (p) {
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = "#" + p.id + " " + p.title + " · " + p.unit + " · 逾期" + p.days + "天";
      L.circleMarker([p.lat, p.lng], { radius: 6 + Math.min(p.days, 30) / 5, color: "#b22222" })
        .bindPopup(link).addTo(group);
    });
    group.addTo(map);
    if (points.length) { map.fitBounds(group.getBounds().pad(0.1)); } else { map.setView([36.06, 103.83], 12); }
  }
})();
