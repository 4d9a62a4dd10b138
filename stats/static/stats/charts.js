// Draws every chart of a statistics dashboard: each <div data-chart="ID"> gets the ECharts
// option in <script id="ID" type="application/json"> (built on the server, stats/services/charts.py).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) return;
    var chart = window.echarts.init(box);
    chart.setOption(JSON.parse(source.textContent));
    box.setAttribute("data-rendered", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
});
