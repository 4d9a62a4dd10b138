// The global knowledge map: an ECharts tree of dimensions and nodes (the outline below it is
// the same map without JavaScript). Clicking a node opens its list of items.
(function () {
  "use strict";
  var box = document.getElementById("knowledge-map");
  if (!box || !window.echarts) return;
  var tree = JSON.parse(document.getElementById(box.dataset.treeId).textContent);
  var lang = document.documentElement.lang || "zh-hans";
  var words = lang.indexOf("zh") === 0
    ? {items: "条知识", files: "个文件", updated: "最近更新", past: "超过复审日期"}
    : {items: "items", files: "files", updated: "last update", past: "past review"};
  box.style.height = Math.max(420, 28 * countLeaves(tree)) + "px";
  var chart = window.echarts.init(box);
  chart.setOption({
    tooltip: {
      formatter: function (p) {
        var d = p.data;
        return [p.name, d.value + " " + words.items + " · " + d.files + " " + words.files,
                d.last_update ? words.updated + " " + d.last_update : "", d.past_review ? d.past_review + "% " + words.past : ""]
          .filter(Boolean).join("<br>");
      }
    },
    series: [{
      type: "tree", data: [{name: "知识地图", value: 0, files: 0, children: tree}],
      top: 10, left: 80, bottom: 10, right: 200, symbolSize: 9, initialTreeDepth: 3,
      label: {position: "left", verticalAlign: "middle", align: "right",
              formatter: function (p) { return p.name + " (" + (p.data.value || 0) + ")"; }},
      leaves: {label: {position: "right", align: "left"}},
      expandAndCollapse: true, animationDuration: 300
    }]
  });
  // A leaf opens on click; a node with children opens on double click (click folds it).
  chart.on("click", function (p) {
    if (p.data && p.data.url && !(p.data.children && p.data.children.length)) window.location.href = p.data.url;
  });
  chart.on("dblclick", function (p) {
    if (p.data && p.data.url) window.location.href = p.data.url;
  });
  window.addEventListener("resize", function () { chart.resize(); });
  function countLeaves(nodes) {
    return nodes.reduce(function (n, node) {
      return n + (node.children && node.children.length ? countLeaves(node.children) : 1);
    }, 0);
  }
})();
