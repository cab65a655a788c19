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
// A file input with data-fills="<textarea id>" reads the chosen file (the catalog import's
// CSV) into that textarea, so the form posts it as ordinary urlencoded text with its CSRF
// token, with no multipart handling on the server.
document.addEventListener("change", function (e) {
  var input = e.target;
  if (!input || !input.dataset || !input.dataset.fills || !input.files || !input.files[0]) { return; }
  var target = document.getElementById(input.dataset.fills);
  if (!target) { return; }
  input.files[0].text().then(function (text) { target.value = text; });
});
// The packing screen: after each scan htmx re-renders the lines; the scan input is then
// cleared (after a success) or selected (after a refusal) and focused for the next scan.
document.addEventListener("htmx:afterRequest", function (e) {
  var form = e.target;
  if (!form || form.id !== "scan-form") { return; }
  var input = document.getElementById("scan-code");
  if (!input) { return; }
  if (e.detail && e.detail.successful) { input.value = ""; } else { input.select(); }
  input.focus();
});
