// Monthly 随手拍 figures per category as grouped bars.
(function () {
  var el = document.getElementById("civic-chart");
  if (!el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
  if (!data.categories.length) { el.hidden = true; return; }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["收到", "转为问题", "办结"] },
    grid: { left: 40, right: 10, bottom: 60 },
    xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "收到", type: "bar", data: data.received, itemStyle: { color: "#0d6efd" } },
      { name: "转为问题", type: "bar", data: data.accepted, itemStyle: { color: "#fd7e14" } },
      { name: "办结", type: "bar", data: data.closed, itemStyle: { color: "#198754" } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
