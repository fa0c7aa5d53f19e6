/* Draws every <canvas data-chart="ID"> with Chart.js from the JSON of <script id="ID" type="application/json">
   (written by Django's json_script). Figures arrive as exact decimal strings; they become numbers only to be
   drawn. The same figures are in the table under each chart. Ticks and tooltips use the reader's number
   format (data-number-format="ch" → 4'087'460, "pe" → 4,087,460). */
(function () {
  "use strict";

  var PALETTE = ["#0b5cad", "#c2410c", "#1b6e3a", "#7c3aed", "#a4161a", "#0f766e", "#8a5a00", "#475569"];
  var SEPARATORS = { ch: ["'", "."], pe: [",", "."] };

  function formatNumber(value, format, places) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    var seps = SEPARATORS[format] || SEPARATORS.pe;
    var fixed = Math.abs(value).toFixed(places);
    var parts = fixed.split(".");
    var integer = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, seps[0]);
    return (value < 0 ? "-" : "") + integer + (parts[1] ? seps[1] + parts[1] : "");
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var holder = canvas.closest("[data-number-format]");
    var format = holder ? holder.dataset.numberFormat : "pe";
    var places = 0;  // ticks in whole units; tooltips show cents
    var datasets = spec.datasets.map(function (d, i) {
      var colour = PALETTE[i % PALETTE.length];
      var set = {
        label: d.label,
        data: d.data.map(function (v) { return v === null ? null : Number(v); }),
        backgroundColor: colour,
        borderColor: colour,
        currency: d.currency,
        maxBarThickness: 48
      };
      if (d.stack) { set.stack = d.stack; }
      if (d.type) { set.type = d.type; set.fill = false; set.backgroundColor = "#ffffff"; }
      return set;
    });
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = { x: { stacked: spec.stacked }, y: { stacked: spec.stacked } };
    scales[valueAxis].beginAtZero = true;
    scales[valueAxis].ticks = { callback: function (v) { return formatNumber(v, format, places); } };
    canvas.chart = new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var raw = spec.horizontal ? ctx.parsed.x : ctx.parsed.y;
                var unit = spec.unit === "money" ? 2 : 0;
                return ctx.dataset.label + ": " + formatNumber(raw, format, unit);
              }
            }
          }
        }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (!canvas.chart) { draw(canvas); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  window.pccCharts = { drawAll: drawAll, formatNumber: formatNumber };
})();
