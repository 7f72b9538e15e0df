// Charts of the survey results page; data comes from the json_script block.
(function () {
  const source = document.getElementById("survey-chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const keys = Object.keys(data.labels);
  const names = keys.map((k) => data.labels[k]);
  const pct = { formatter: "{value}%" };

  const overall = echarts.init(document.getElementById("chart-overall"));
  overall.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { data: ["实际", "目标"] },
    xAxis: { type: "category", data: names },
    yAxis: { type: "value", max: 100, axisLabel: pct },
    series: [
      { name: "实际", type: "bar", data: keys.map((k) => data.rates[k]), label: { show: true, formatter: "{c}%" } },
      { name: "目标", type: "line", data: keys.map((k) => data.targets[k]), lineStyle: { type: "dashed" } },
    ],
  });

  // Every round of the region, oldest first; real tests (正式测评) drawn as large diamonds so
  // the mock rounds (模拟调查) before them read as the run-up.
  const trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { data: names },
    xAxis: { type: "category", data: data.trend.map((t) => `${t.starts_on}\n${t.round_label}`) },
    yAxis: { type: "value", max: 100, axisLabel: pct },
    series: keys.map((k) => ({ name: data.labels[k], type: "line", connectNulls: true,
      data: data.trend.map((t) => ({ value: t.rates[k],
        symbol: t.round_kind === "real" ? "diamond" : "circle",
        symbolSize: t.round_kind === "real" ? 14 : 7 })) })),
  });

  const rows = data.communities.filter((c) => c.rates.satisfaction !== null)
    .sort((a, b) => a.rates.satisfaction - b.rates.satisfaction);
  // One bar per community, weakest at the top; the box grows with the number of communities
  // (set through the CSSOM, which the CSP allows, unlike style attributes).
  const box = document.getElementById("chart-communities");
  box.style.height = `${Math.max(320, rows.length * 26 + 80)}px`;
  const communities = echarts.init(box);
  communities.setOption({
    title: rows.length ? undefined : { text: "暂无满意率数据", left: "center", top: "middle",
      textStyle: { color: "#6c757d", fontSize: 16 } },
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 100 },
    xAxis: { type: "value", max: 100, axisLabel: pct },
    yAxis: { type: "category", inverse: true, data: rows.map((c) => c.name) },
    series: [{ type: "bar", data: rows.map((c) => ({ value: c.rates.satisfaction,
      itemStyle: { color: c.rates.satisfaction < data.targets.satisfaction ? "#c8102e" : "#198754" } })),
      markLine: { data: [{ xAxis: data.targets.satisfaction, name: "目标" }] } }],
  });
  window.addEventListener("resize", () => [overall, trend, communities].forEach((c) => c.resize()));
})();
