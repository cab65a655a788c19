// Omnihub console behaviour. No inline scripts (the CSP forbids them): charts are declared
// in markup as data-echarts="<option JSON>" and started here, also after htmx swaps.
(function () {
  "use strict";
  function startCharts(root) {
    if (!window.echarts) { return; }
    var locale = document.documentElement.lang === "zh-CN" ? "ZH" : "EN";
    root.querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el.dataset.echartsStarted) { return; }
      try {
        var chart = window.echarts.init(el, null, { renderer: "svg", locale: locale });
        chart.setOption(JSON.parse(el.dataset.echarts));
        el.dataset.echartsStarted = "1";
        window.addEventListener("resize", function () { chart.resize(); });
      } catch (e) {
        el.textContent = "chart unavailable";
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { startCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { startCharts(e.target); });
})();
