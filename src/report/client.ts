/**
 * The page's script, inlined into the report as text: it reads the view data embedded in the
 * page, builds one echarts chart per container and, once every chart has finished rendering,
 * publishes `window.__reportStatus` (what each chart holds) for tests and tools.
 *
 * Plain ES2017 without template literals, so it can live in this string. Every string that
 * reaches HTML (tooltips) goes through esc(); echarts draws labels on a canvas.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var status = { ready: false, charts: {}, errors: [] };
  window.__reportStatus = status;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(n, d) {
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: d === undefined ? 0 : d, minimumFractionDigits: d === undefined ? 0 : d });
  }
  var view = JSON.parse(document.getElementById("report-data").textContent);
  var FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  var INK = "#0f172a", MUTED = "#64748b", GRID = "#e2e8f0";
  var EXTRA = ["#d97706", "#db2777", "#0284c7", "#65a30d", "#7c3aed"];
  var CATS = ["#4f46e5", "#0d9488", "#d97706", "#db2777", "#0284c7", "#65a30d", "#7c3aed", "#dc2626", "#475569", "#ca8a04", "#0891b2", "#9333ea"];
  var base = { textStyle: { fontFamily: FONT, color: INK }, animationDuration: 400, animationDurationUpdate: 300 };
  var tooltipBase = { confine: true, backgroundColor: "rgba(15,23,42,0.94)", borderWidth: 0, textStyle: { color: "#f8fafc", fontSize: 12, fontFamily: FONT }, extraCssText: "border-radius:8px;box-shadow:0 8px 24px rgba(15,23,42,.25);max-width:360px;white-space:normal;" };
  function merge(a, b) { var o = {}, k; for (k in a) o[k] = a[k]; for (k in b) o[k] = b[k]; return o; }
  var charts = [];
  var pending = [];

  function mount(id, build) {
    var el = document.getElementById(id);
    if (!el) return;
    try {
      var made = build(el);
      if (!made) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      charts.push(chart);
      pending.push(new Promise(function (resolve) {
        var done = false;
        chart.on("finished", function () { if (!done) { done = true; resolve(); } });
        setTimeout(function () { if (!done) { done = true; resolve(); } }, 4000);
      }).then(function () {
        var opt = chart.getOption();
        status.charts[id] = made.count(opt);
        el.setAttribute("data-rendered", "true");
      }));
      chart.setOption(merge(base, made.option));
    } catch (e) {
      status.errors.push(id + ": " + (e && e.message ? e.message : String(e)));
      el.textContent = "This chart could not be drawn: " + (e && e.message ? e.message : String(e));
      el.className += " chart-failed";
      console.error("report chart " + id + " failed", e);
    }
  }
  function dataLen(opt, i) { return (opt.series[i] && opt.series[i].data) ? opt.series[i].data.length : 0; }

  // Piecewise color bins with readable bounds (1, 2-4, 5-9, 10-24, 25-49, 50-99, ...), at most 6.
  function pieces(max) {
    var HEAT = ["#fed7aa", "#fdba74", "#fb923c", "#f97316", "#ea580c", "#c2410c", "#9a3412", "#7c2d12"];
    var bounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], i;
    var bs = bounds.filter(function (b) { return b <= max; });
    while (bs.length > 6) bs.splice(1, 1);
    var out = [];
    for (i = 0; i < bs.length; i++) {
      var lo = bs[i], hi = i + 1 < bs.length ? bs[i + 1] - 1 : Infinity;
      var label = hi === Infinity ? (lo === max ? fmt(lo) : fmt(lo) + "+") : (hi === lo ? fmt(lo) : fmt(lo) + "\u2013" + fmt(hi));
      out.push({ gte: lo, lte: hi === Infinity ? undefined : hi, label: label, color: HEAT[Math.round(i * (HEAT.length - 1) / Math.max(1, bs.length - 1))] });
    }
    return out;
  }

  // Function-by-function conflict matrix.
  mount("chart-matrix", function (el) {
    var m = view.matrix;
    if (!m.points.length) return null;
    var narrow = window.innerWidth < 700;
    var longest = 0;
    m.functions.forEach(function (f) { longest = Math.max(longest, f.length); });
    var labelW = Math.min(narrow ? 110 : 200, longest * 6.4 + 4);
    var cellW = (el.clientWidth - labelW - (narrow ? 30 : 46)) / Math.max(1, m.functions.length);
    return {
      count: function (opt) { return { points: dataLen(opt, 0), functions: opt.xAxis[0].data.length }; },
      option: {
        tooltip: merge(tooltipBase, { formatter: function (p) {
          var v = p.data;
          return "<b>" + esc(m.functions[v[1]]) + "</b> &times; <b>" + esc(m.functions[v[0]]) + "</b><br>" +
            fmt(v[2]) + " conflicting pair" + (v[2] === 1 ? "" : "s") + " &middot; " + esc(v[3]) +
            (v[4] ? "<br>mostly on <code>" + esc(v[4]) + "</code>" : "");
        } }),
        grid: { left: labelW + 14, right: narrow ? 8 : 24, top: 8, bottom: Math.min(narrow ? 110 : 150, longest * 3.7 + 12) + 44 },
        xAxis: { type: "category", data: m.functions, splitArea: { show: false }, axisTick: { show: false }, axisLine: { show: false },
          axisLabel: { rotate: 35, color: MUTED, fontSize: 11, interval: 0, width: narrow ? 170 : 240, overflow: "truncate" } },
        yAxis: { type: "category", data: m.functions, inverse: true, axisTick: { show: false }, axisLine: { show: false },
          splitArea: { show: true, areaStyle: { color: ["#f8fafc", "#f1f5f9"] } },
          axisLabel: { color: MUTED, fontSize: 11, interval: 0, width: labelW, overflow: "truncate" } },
        visualMap: { type: "piecewise", dimension: 2, pieces: pieces(m.max), orient: "horizontal", left: "center", bottom: 0,
          itemWidth: narrow ? 10 : 14, itemHeight: narrow ? 10 : 12, itemGap: narrow ? 3 : 6, textGap: narrow ? 2 : 5,
          textStyle: { color: MUTED, fontSize: narrow ? 10 : 11 }, selectedMode: false },
        series: [{ type: "heatmap", data: m.points, encode: { x: 0, y: 1, value: 2 },
          label: { show: cellW >= 30, fontSize: cellW >= 40 ? 11 : 10, fontWeight: 600, color: INK, textBorderColor: "rgba(255,255,255,0.85)", textBorderWidth: 2, formatter: function (p) { return fmt(p.data[2]); } },
          itemStyle: { borderColor: "#fff", borderWidth: 2, borderRadius: 4 },
          emphasis: { itemStyle: { borderColor: INK, borderWidth: 1 } } }]
      }
    };
  });

  // Speedup against threads, every scheduler, with the DAG limit dashed.
  mount("chart-speedups", function () {
    var s = view.speedups;
    var narrow = window.innerWidth < 700;
    var ts = s.threads, maxT = ts[ts.length - 1];
    var extra = 0;
    var series = s.series.map(function (x) {
      var color = x.colour || EXTRA[extra++ % EXTRA.length];
      return {
        name: x.label, type: "line", data: x.data, color: color, symbol: x.isLimit ? "none" : "circle", symbolSize: 7,
        lineStyle: { width: x.isPredicted ? 4 : x.isLimit ? 2 : 3, type: x.isLimit ? "dashed" : "solid" },
        areaStyle: x.isLimit ? { color: "rgba(15,23,42,0.04)" } : undefined,
        endLabel: { show: !narrow, formatter: function () { return x.label; }, color: color, fontWeight: 600, fontSize: 12 },
        emphasis: { focus: "series" }, z: x.isPredicted ? 4 : x.isLimit ? 1 : 3
      };
    });
    var ideal = { name: "linear", type: "line", data: ts.map(function (t) { return [t, t]; }), symbol: "none", silent: true, color: "#94a3b8",
      lineStyle: { width: 1.5, type: [2, 4], opacity: 0.7 }, z: 0, tooltip: { show: false } };
    var yMax = Math.max(1, Math.ceil(s.max * 1.15));
    return {
      count: function (opt) {
        var n = opt.series.length - 1, pts = 0, i;
        for (i = 0; i < n; i++) pts += dataLen(opt, i);
        return { series: n, points: pts, limit: s.series.some(function (x) { return x.isLimit; }) };
      },
      option: {
        legend: narrow ? { top: 0, left: 0, right: 0, icon: "roundRect", itemWidth: 14, itemHeight: 4, textStyle: { color: MUTED, fontSize: 11 },
          data: s.series.map(function (x) { return x.label; }) } : undefined,
        grid: { left: 8, right: narrow ? 16 : 130, top: narrow ? 64 : 30, bottom: 30, containLabel: true },
        tooltip: merge(tooltipBase, { trigger: "axis", formatter: function (ps) {
          var t = ps[0].data[0], i = ts.indexOf(t), rows = "";
          ps.forEach(function (p) {
            var x = s.series[p.seriesIndex]; if (!x) return;
            var more = [];
            if (x.efficiency) more.push(fmt(x.efficiency[i] * 100, 0) + "% eff.");
            if (x.aborts) more.push(fmt(x.aborts[i]) + " aborts");
            rows += "<div>" + p.marker + esc(x.label) + ": <b>" + fmt(p.data[1], 2) + "&times;</b>" + (more.length ? " <span style='opacity:.7'>(" + esc(more.join(", ")) + ")</span>" : "") + "</div>";
          });
          return "<b>" + fmt(t) + " thread" + (t === 1 ? "" : "s") + "</b>" + rows;
        } }),
        xAxis: { type: "log", logBase: 2, min: ts[0], max: maxT, name: "threads", nameLocation: "middle", nameGap: 28, nameTextStyle: { color: MUTED },
          axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } }, axisLine: { lineStyle: { color: GRID } } },
        yAxis: { type: "value", min: 0, max: yMax, name: "speedup (\u00d7 serial)", nameTextStyle: { color: MUTED, align: "left" },
          axisLabel: { color: MUTED, formatter: function (v) { return v + "\u00d7"; } }, splitLine: { lineStyle: { color: GRID } } },
        series: series.concat([ideal])
      }
    };
  });

  // Gantt chart of one block under Block-STM: executions, validations, aborts.
  mount("chart-gantt", function () {
    var g = view.gantt;
    if (!g.tasks.length) return null;
    var COLORS = { exec: "#6366f1", reexec: "#8b5cf6", aborted: "#ef4444", validate: "#14b8a6", failed: "#f59e0b" };
    function colorOf(v) {
      if (v[5] === 1) return v[6] ? COLORS.failed : COLORS.validate;
      if (v[6]) return COLORS.aborted;
      return v[4] > 0 ? COLORS.reexec : COLORS.exec;
    }
    var threads = [];
    for (var i = 0; i < g.threads; i++) threads.push("thread " + (i + 1));
    function renderItem(params, api) {
      var thread = api.value(0);
      var a = api.coord([api.value(1), thread]), b = api.coord([api.value(2), thread]);
      var band = api.size([0, 1])[1];
      var isVal = api.value(5) === 1;
      var h = band * (isVal ? 0.32 : 0.66);
      var y = isVal ? a[1] + band * 0.5 - h - 2 : a[1] - band * 0.5 + 3;
      var cs = params.coordSys;
      var shape = echarts.graphic.clipRectByRect(
        { x: a[0], y: y, width: Math.max(b[0] - a[0] - 1, 1.5), height: h },
        { x: cs.x, y: cs.y, width: cs.width, height: cs.height });
      if (!shape) return null;
      var v = [api.value(0), api.value(1), api.value(2), api.value(3), api.value(4), api.value(5), api.value(6)];
      // The longest label that fits: "✕ tx12·1", "tx12·1", "tx12", or none.
      var label = "";
      if (!isVal) {
        var full = "tx" + v[3] + (v[4] > 0 ? "\u00b7" + v[4] : "");
        var options = [(v[6] ? "\u2715 " : "") + full, full, "tx" + v[3]];
        for (var o = 0; o < options.length && !label; o++) if (options[o].length * 6.2 + 8 <= shape.width) label = options[o];
      }
      return {
        type: "rect", transition: ["shape"], shape: shape,
        style: { fill: colorOf(v), stroke: "rgba(255,255,255,0.9)", lineWidth: 1 },
        textContent: label ? { style: { text: label, fill: "#fff", fontSize: 10, fontWeight: 600, fontFamily: FONT } } : undefined,
        textConfig: label ? { position: "inside" } : undefined
      };
    }
    var narrow = window.innerWidth < 700;
    var zoomEnd = g.tasks.length > 600 ? Math.max(5, Math.round(100 * 400 / g.tasks.length)) : 100;
    return {
      count: function (opt) {
        var d = opt.series[0].data, aborted = 0, k;
        for (k = 0; k < d.length; k++) if ((d[k].value || d[k])[6]) aborted++;
        return { tasks: d.length, aborted: aborted, threads: opt.yAxis[0].data.length };
      },
      option: {
        tooltip: merge(tooltipBase, { formatter: function (p) {
          var v = p.value, kind = v[5] === 1 ? "validation" : "execution";
          var what = v[5] === 1 ? (v[6] ? "failed: re-execute" : "passed") : (v[6] ? "aborted" : (v[4] > 0 ? "re-execution" : "committed"));
          return "<b>tx " + fmt(v[3]) + "</b>, incarnation " + fmt(v[4]) + "<br>" + kind + " on thread " + (v[0] + 1) + " &middot; " + esc(what) +
            "<br>" + fmt(v[1]) + " &rarr; " + fmt(v[2]) + " " + esc(g.unit) + " (" + fmt(v[2] - v[1]) + ")";
        } }),
        grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
        // Long schedules open on their first ~400 tasks; the slider shows the rest.
        dataZoom: [{ type: "slider", xAxisIndex: 0, filterMode: "weakFilter", height: 18, bottom: 8, borderColor: GRID, showDetail: false, start: 0, end: zoomEnd },
                   { type: "inside", xAxisIndex: 0, filterMode: "weakFilter", start: 0, end: zoomEnd }],
        xAxis: { type: "value", min: 0, max: g.stats.makespan, name: g.unit, nameLocation: "end", nameTextStyle: { color: MUTED },
          axisLabel: { color: MUTED, hideOverlap: true, formatter: function (v) { return v >= 1e6 ? fmt(v / 1e6, 1) + "M" : v >= 1e3 ? fmt(v / 1e3, 0) + "k" : fmt(v); } },
          splitLine: { lineStyle: { color: GRID } } },
        yAxis: { type: "category", data: threads, inverse: true, axisTick: { show: false }, axisLine: { show: false },
          axisLabel: { color: MUTED, fontSize: narrow ? 10 : 12 }, splitArea: { show: true, areaStyle: { color: ["#fafbff", "#f1f5f9"] } } },
        series: [{ type: "custom", renderItem: renderItem, encode: { x: [1, 2], y: 0 }, data: g.tasks, clip: true }]
      }
    };
  });

  // Largest component of the dependency graph.
  mount("chart-graph", function () {
    var gr = view.graph;
    if (!gr.nodes.length) return null;
    var count = gr.nodes.length, big = count > 120;
    var maxDeg = 1;
    gr.nodes.forEach(function (n) { if (n.degree > maxDeg) maxDeg = n.degree; });
    var nodes = gr.nodes.map(function (n) {
      var size = big ? 5 + 9 * Math.sqrt(n.degree / maxDeg) : 7 + 15 * Math.sqrt(n.degree / maxDeg);
      return { id: n.id, name: "tx " + n.tx, category: n.category, symbolSize: size, value: n.degree, tx: n.tx, block: n.block,
        itemStyle: n.tx === gr.root ? { borderColor: INK, borderWidth: 2 } : undefined };
    });
    var edges = gr.edges.map(function (e) { return { source: e.source, target: e.target, kind: e.kind, variable: e.variable }; });
    var repulsion = count < 80 ? 110 : count < 160 ? 90 : 150;
    return {
      count: function (opt) { return { nodes: dataLen(opt, 0), edges: (opt.series[0].links || opt.series[0].edges || []).length, categories: gr.categories.length }; },
      option: {
        color: CATS,
        legend: { type: "scroll", top: 0, left: 0, right: 0, textStyle: { color: MUTED, fontSize: 11 }, icon: "circle", itemWidth: 10, itemHeight: 10,
          data: gr.categories },
        tooltip: merge(tooltipBase, { formatter: function (p) {
          if (p.dataType === "edge") {
            var e = p.data;
            return "tx " + esc(e.source) + " &rarr; tx " + esc(e.target) + (e.kind ? "<br>" + esc(e.kind) : "") + (e.variable ? "<br>on <code>" + esc(e.variable) + "</code>" : "");
          }
          var d = p.data;
          return "<b>tx " + fmt(d.tx) + "</b>" + (d.block !== null ? " &middot; block " + fmt(d.block) : "") + "<br>" + esc(gr.categories[d.category]) + "<br>" + fmt(d.value) + " conflict edge" + (d.value === 1 ? "" : "s") + " drawn";
        } }),
        series: [{
          type: "graph", layout: "force", top: 44, bottom: 8, left: 8, right: 8, roam: true, draggable: false,
          data: nodes, links: edges, categories: gr.categories.map(function (c) { return { name: c }; }),
          force: { repulsion: repulsion, gravity: big ? 0.05 : 0.16, edgeLength: big ? [30, 90] : [24, 70], friction: 0.2, layoutAnimation: false },
          edgeSymbol: ["none", "arrow"], edgeSymbolSize: [0, 5],
          lineStyle: { color: "#94a3b8", opacity: big ? 0.25 : 0.55, width: big ? 0.6 : 1, curveness: 0.08 },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          label: { show: false },
          emphasis: { focus: "adjacency", lineStyle: { width: 2, opacity: 1 }, label: { show: true, position: "right", fontSize: 11, color: INK } }
        }]
      }
    };
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  Promise.all(pending).then(function () {
    status.ready = true;
    document.documentElement.setAttribute("data-report-ready", "true");
  });
})();
`;
