// Draws every element with data-chart="key" from the JSON in #chart-data (vendored ECharts).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var charts = JSON.parse(source.textContent);
  var font = getComputedStyle(document.documentElement).fontFamily;
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var spec = charts[element.dataset.chart];
    if (!spec) return;
    var chart = echarts.init(element, null, { renderer: "svg" });
    var option = { textStyle: { fontFamily: font }, color: ["#1d4e89", "#2a7f62", "#b5541c", "#6b4c9a", "#8a6d0b"],
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis" }, animation: false };
    if (spec.type === "pie") {
      option.series = [{ type: "pie", radius: ["35%", "65%"],
        data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; }) }];
      option.legend = { bottom: 0 };
    } else {
      option.grid = { left: 70, right: 20, top: 20, bottom: 50 };
      option.xAxis = { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 4 ? 20 : 0 } };
      option.yAxis = { type: "value" };
      option.series = [{ type: spec.type, data: spec.values, barMaxWidth: 48 }];
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
