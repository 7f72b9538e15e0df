// Ranking page: the 8-week trend (ECharts), the map of overdue issues (Leaflet) and the
// period picker (the start/end dates only for a custom period).
(function () {
  var periodSelect = document.getElementById("f-period");
  if (periodSelect) {
    periodSelect.addEventListener("change", function () {
      document.querySelectorAll(".dashboard-custom").forEach(function (el) {
        el.classList.toggle("d-none", periodSelect.value !== "custom");
      });
    });
  }

  var chartEl = document.getElementById("dashboard-trend");
  if (chartEl && window.echarts) {
    var trend = JSON.parse(document.getElementById("dashboard-trend-data").textContent);
    var chart = echarts.init(chartEl);
    // Text and lines sized for where the page is read: a wall screen across the room, a
    // desk monitor or a phone in the hand.
    var options = function () {
      var wide = window.innerWidth >= 1600;
      var narrow = chartEl.clientWidth < 500;
      var font = wide ? 16 : 13;
      return {
        textStyle: { fontSize: font },
        tooltip: {
          trigger: "axis", textStyle: { fontSize: font },
          valueFormatter: function (v) { return v == null ? "无数据" : v.toFixed(1); }
        },
        legend: {
          type: "scroll", bottom: 0, itemWidth: 22, itemHeight: 12,
          textStyle: { fontSize: font }, pageIconSize: wide ? 16 : 12
        },
        grid: { left: 8, right: narrow ? 24 : 40, top: 24, bottom: wide ? 56 : 48,
                containLabel: true },
        xAxis: {
          type: "category", data: trend.labels, boundaryGap: false,
          axisLabel: { fontSize: font, hideOverlap: true,
                       formatter: function (v) { return v + "周"; } }
        },
        yAxis: { type: "value", min: 0, max: 100, interval: 20, axisLabel: { fontSize: font } },
        series: trend.series.map(function (s) {
          var dark = document.body.classList.contains("screen");
          var average = s.name === "平均";
          return {
            name: s.name, type: "line", data: s.data, connectNulls: true,
            symbolSize: wide ? 9 : 6, emphasis: { focus: "series" },
            lineStyle: { width: average ? (wide ? 4 : 3) : (wide ? 3 : 2),
                         type: average ? "dashed" : "solid" },
            // the average dark on the page, light on the big screen's dark background
            itemStyle: average ? { color: dark ? "#f5f5f5" : "#212529" } : undefined
          };
        })
      };
    };
    chart.setOption(options());
    var resize = function () { chart.setOption(options()); chart.resize(); };
    if (window.ResizeObserver) { new ResizeObserver(resize).observe(chartEl); }
    else { window.addEventListener("resize", resize); }
  }

  var mapEl = document.getElementById("dashboard-map");
  if (mapEl && window.L) {
    var points = JSON.parse(document.getElementById("dashboard-map-data").textContent);
    var map = window.ccmsMap(mapEl);
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
