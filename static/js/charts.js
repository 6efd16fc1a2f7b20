/* Draws the Plotly figures of the analysis pages from their json_script data (no inline script,
 * strict CSP), and makes tables marked data-sortable sortable by their column headers. */
(function () {
  "use strict";

  var NARROW = 576;

  function shorten(text, size) {
    text = String(text);
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  /* Small screens (a phone is about 390 px wide): smaller type, legend under the plot, and the
   * category labels of horizontal bars shortened, without the domain level of a two-level axis
   * (the table under the chart keeps both whole). */
  function narrowLayout(figure, width) {
    if (width >= NARROW) { return; }
    var layout = figure.layout;
    layout.font = Object.assign({}, layout.font, { size: 10 });
    if (layout.title && typeof layout.title === "object") {
      layout.title = Object.assign({}, layout.title, { font: Object.assign({}, layout.title.font, { size: 13 }) });
    }
    if (layout.margin) {
      layout.margin = Object.assign({}, layout.margin, { l: Math.min(layout.margin.l || 0, 4), r: Math.min(layout.margin.r || 0, 44) });
    }
    layout.legend = Object.assign({}, layout.legend, { orientation: "h", x: 0, xanchor: "left", y: 1.0, yanchor: "bottom" });
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        layout[key] = Object.assign({}, layout[key], { automargin: true, tickfont: { size: 9 } });
      }
    });
    Object.keys(layout).forEach(function (key) {
      var title = layout[key] && layout[key].title;
      if (/^[xy]axis\d*$/.test(key) && title && typeof title === "object") {
        layout[key].title = Object.assign({}, title, { font: { size: 9 } });
      }
    });
    figure.data.forEach(function (trace) {
      if (!Array.isArray(trace.y)) { return; }
      var twoLevel = Array.isArray(trace.y[0]);
      if (trace.orientation !== "h" && !twoLevel) { return; }
      var axis = "yaxis" + (trace.yaxis && trace.yaxis !== "y" ? trace.yaxis.slice(1) : "");
      var labels = twoLevel ? trace.y[trace.y.length - 1] : trace.y;
      trace.y = labels.map(function (label) { return shorten(label, 16); });
      if (layout[axis] && layout[axis].type === "multicategory") {
        layout[axis] = Object.assign({}, layout[axis], { type: "category" });
      }
    });
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    narrowLayout(figure, el.clientWidth || window.innerWidth);
    var config = {
      displaylogo: false,
      showSendToCloud: false,  /* "Share chart..." would upload confidential data to Plotly Cloud */
      responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "zoom2d", "pan2d"],
      toImageButtonOptions: { format: "svg", filename: el.getAttribute("data-figure") }
    };
    Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      /* The SVG repeats the data table below it, without structure: screen readers use the table. */
      el.querySelectorAll("svg.main-svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
      el.setAttribute("data-drawn", "true");
    });
  }

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort");
    if (raw === null) { raw = cell.textContent.trim(); }
    var number = parseFloat(raw.replace("%", ""));
    return isNaN(number) || /[a-z]/i.test(raw.replace("%", "")) ? raw.toLowerCase() : number;
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "mrn-sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) { return 0; }
          var result = x < y ? -1 : 1;
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-figure]").forEach(draw);
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    document.querySelectorAll(".mrn-legend[data-colour]").forEach(function (el) {
      el.style.setProperty("--mrn-swatch", el.getAttribute("data-colour"));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
