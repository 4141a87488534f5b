// Multi-series charts (one line or bar per scenario) from the JSON in #chart-data (vendored ECharts).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var charts = JSON.parse(source.textContent);
  var font = getComputedStyle(document.documentElement).fontFamily;
  // 1.2万亿 in Chinese, 1.2T in English: axis labels of reserves and head counts stay short
  var compact = new Intl.NumberFormat(document.documentElement.lang || "zh-CN", { notation: "compact", maximumFractionDigits: 1 });
  document.querySelectorAll("[data-compare]").forEach(function (element) {
    var spec = charts[element.dataset.compare];
    if (!spec) return;
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: font }, animation: false,
      color: ["#1d4e89", "#b5541c", "#2a7f62", "#6b4c9a", "#8a6d0b", "#444"],
      tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" },
      grid: { left: 70, right: 16, top: 16, bottom: 60 },
      xAxis: { type: "category", data: spec.labels },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: function (v) { return compact.format(v); } } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.type || "line", showSymbol: false, data: s.values };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
