/**
 * The report page's script, bundled at build time (scripts/build-report-client.mjs, esbuild) into
 * ../client-bundle.ts and inlined into the page: it reads the view data embedded in the page,
 * builds one echarts chart per container and, once every chart has finished rendering, publishes
 * `window.__reportStatus` (what each chart holds) for tests and tools. Type-checked against the
 * DOM and the view types by ./tsconfig.json. Every string that reaches HTML (tooltips) goes
 * through esc(); echarts draws labels on a canvas.
 */
import type { GraphView, MatrixView, ReportView } from "../view.js";

/** What the page publishes once every chart has rendered (test/browser/report.browser.ts reads it). */
interface ReportStatus {
  ready: boolean;
  charts: Record<string, Record<string, number | boolean>>;
  errors: string[];
}
declare global {
  interface Window {
    __reportStatus: ReportStatus;
  }
}

// echarts is inlined as a global before this script; only what the page uses is declared, and
// chart options are plain objects (echarts validates them itself).
type Option = Record<string, unknown>;
interface ChartOption {
  series: { data?: unknown[]; links?: unknown[]; edges?: unknown[] }[];
  xAxis: { data?: unknown[] }[];
  yAxis: { data?: unknown[] }[];
}
interface EChartsInstance {
  on(event: "finished", handler: () => void): void;
  getOption(): ChartOption;
  setOption(option: Option): void;
  resize(): void;
}
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
declare const echarts: {
  init(el: HTMLElement, theme: null, opts: { renderer: "canvas" | "svg" }): EChartsInstance;
  graphic: { clipRectByRect(target: Rect, clip: Rect): Rect | undefined };
};
interface ChartBuild {
  count(opt: ChartOption): Record<string, number | boolean>;
  option: Option;
}
type GanttTask = [number, number, number, number, number, 0 | 1, 0 | 1];
type GraphNode = GraphView["nodes"][number] & { value: number };
type GraphEdge = GraphView["edges"][number];
interface RenderParams {
  coordSys: Rect;
}
interface RenderApi {
  value(dim: number): number;
  coord(point: [number, number]): [number, number];
  size(delta: [number, number]): [number, number];
}

const status: ReportStatus = { ready: false, charts: {}, errors: [] };
window.__reportStatus = status;
function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, function (c) {
    return ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" } as Record<string, string>)[c] ?? c;
  });
}
function fmt(n: unknown, d?: number): string {
  return Number(n).toLocaleString("en-US", {
    maximumFractionDigits: d === undefined ? 0 : d,
    minimumFractionDigits: d === undefined ? 0 : d,
  });
}
const view = JSON.parse(document.getElementById("report-data")?.textContent ?? "null") as ReportView;
const FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const INK = "#0f172a",
  MUTED = "#64748b",
  GRID = "#e2e8f0";
const EXTRA = ["#d97706", "#db2777", "#0284c7", "#65a30d", "#7c3aed"];
const CATS = [
  "#4f46e5",
  "#0d9488",
  "#d97706",
  "#db2777",
  "#0284c7",
  "#65a30d",
  "#7c3aed",
  "#dc2626",
  "#475569",
  "#ca8a04",
  "#0891b2",
  "#9333ea",
];
const base = { textStyle: { fontFamily: FONT, color: INK }, animationDuration: 400, animationDurationUpdate: 300 };
const tooltipBase = {
  confine: true,
  backgroundColor: "rgba(15,23,42,0.94)",
  borderWidth: 0,
  textStyle: { color: "#f8fafc", fontSize: 12, fontFamily: FONT },
  extraCssText: "border-radius:8px;box-shadow:0 8px 24px rgba(15,23,42,.25);max-width:360px;white-space:normal;",
};
function merge(a: Option, b: Option): Option {
  return { ...a, ...b };
}
const charts: EChartsInstance[] = [];
const pending: Promise<void>[] = [];

function mount(id: string, build: (el: HTMLElement) => ChartBuild | null) {
  const el = document.getElementById(id);
  if (!el) return;
  try {
    const made = build(el);
    if (!made) return;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    pending.push(
      new Promise<void>(function (resolve) {
        let done = false;
        chart.on("finished", function () {
          if (!done) {
            done = true;
            resolve();
          }
        });
        setTimeout(function () {
          if (!done) {
            done = true;
            resolve();
          }
        }, 4000);
      }).then(function () {
        const opt = chart.getOption();
        status.charts[id] = made.count(opt);
        el.setAttribute("data-rendered", "true");
      }),
    );
    chart.setOption(merge(base, made.option));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    status.errors.push(id + ": " + message);
    el.textContent = "This chart could not be drawn: " + message;
    el.className += " chart-failed";
    console.error("report chart " + id + " failed", e);
  }
}
function dataLen(opt: ChartOption, i: number): number {
  return opt.series[i]?.data?.length ?? 0;
}

// Piecewise color bins with readable bounds (1, 2-4, 5-9, 10-24, 25-49, 50-99, ...), at most 6.
function pieces(max: number) {
  const HEAT = ["#fed7aa", "#fdba74", "#fb923c", "#f97316", "#ea580c", "#c2410c", "#9a3412", "#7c2d12"];
  const bounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
  const bs = bounds.filter(function (b) {
    return b <= max;
  });
  while (bs.length > 6) bs.splice(1, 1);
  const out: { gte: number; lte: number | undefined; label: string; color: string }[] = [];
  for (let i = 0; i < bs.length; i++) {
    const lo = bs[i],
      hi = i + 1 < bs.length ? bs[i + 1] - 1 : Infinity;
    const label = hi === Infinity ? (lo === max ? fmt(lo) : fmt(lo) + "+") : hi === lo ? fmt(lo) : fmt(lo) + "\u2013" + fmt(hi);
    out.push({
      gte: lo,
      lte: hi === Infinity ? undefined : hi,
      label: label,
      color: HEAT[Math.round((i * (HEAT.length - 1)) / Math.max(1, bs.length - 1))],
    });
  }
  return out;
}

// Function-by-function conflict matrix.
mount("chart-matrix", function (el) {
  const m = view.matrix;
  if (!m.points.length) return null;
  const narrow = window.innerWidth < 700;
  let longest = 0;
  m.functions.forEach(function (f) {
    longest = Math.max(longest, f.length);
  });
  const labelW = Math.min(narrow ? 110 : 200, longest * 6.4 + 4);
  const cellW = (el.clientWidth - labelW - (narrow ? 30 : 46)) / Math.max(1, m.functions.length);
  return {
    count: function (opt) {
      return { points: dataLen(opt, 0), functions: opt.xAxis[0]?.data?.length ?? 0 };
    },
    option: {
      tooltip: merge(tooltipBase, {
        formatter: function (p: { data: MatrixView["points"][number] }) {
          const v = p.data;
          return (
            "<b>" +
            esc(m.functions[v[1]]) +
            "</b> &times; <b>" +
            esc(m.functions[v[0]]) +
            "</b><br>" +
            fmt(v[2]) +
            " conflicting pair" +
            (v[2] === 1 ? "" : "s") +
            " &middot; " +
            esc(v[3]) +
            (v[4] ? "<br>mostly on <code>" + esc(v[4]) + "</code>" : "")
          );
        },
      }),
      grid: { left: labelW + 14, right: narrow ? 8 : 24, top: 8, bottom: Math.min(narrow ? 110 : 150, longest * 3.7 + 12) + 44 },
      xAxis: {
        type: "category",
        data: m.functions,
        splitArea: { show: false },
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { rotate: 35, color: MUTED, fontSize: 11, interval: 0, width: narrow ? 170 : 240, overflow: "truncate" },
      },
      yAxis: {
        type: "category",
        data: m.functions,
        inverse: true,
        axisTick: { show: false },
        axisLine: { show: false },
        splitArea: { show: true, areaStyle: { color: ["#f8fafc", "#f1f5f9"] } },
        axisLabel: { color: MUTED, fontSize: 11, interval: 0, width: labelW, overflow: "truncate" },
      },
      visualMap: {
        type: "piecewise",
        dimension: 2,
        pieces: pieces(m.max),
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemWidth: narrow ? 10 : 14,
        itemHeight: narrow ? 10 : 12,
        itemGap: narrow ? 3 : 6,
        textGap: narrow ? 2 : 5,
        textStyle: { color: MUTED, fontSize: narrow ? 10 : 11 },
        selectedMode: false,
      },
      series: [
        {
          type: "heatmap",
          data: m.points,
          encode: { x: 0, y: 1, value: 2 },
          label: {
            show: cellW >= 30,
            fontSize: cellW >= 40 ? 11 : 10,
            fontWeight: 600,
            color: INK,
            textBorderColor: "rgba(255,255,255,0.85)",
            textBorderWidth: 2,
            formatter: function (p: { data: MatrixView["points"][number] }) {
              return fmt(p.data[2]);
            },
          },
          itemStyle: { borderColor: "#fff", borderWidth: 2, borderRadius: 4 },
          emphasis: { itemStyle: { borderColor: INK, borderWidth: 1 } },
        },
      ],
    },
  };
});

// Speedup against threads, every scheduler, with the DAG limit dashed.
mount("chart-speedups", function () {
  const s = view.speedups;
  const narrow = window.innerWidth < 700;
  const ts = s.threads,
    maxT = ts[ts.length - 1];
  let extra = 0;
  const series = s.series.map(function (x) {
    const color = x.colour || EXTRA[extra++ % EXTRA.length];
    return {
      name: x.label,
      type: "line",
      data: x.data,
      color: color,
      symbol: x.isLimit ? "none" : "circle",
      symbolSize: 7,
      lineStyle: { width: x.isPredicted ? 4 : x.isLimit ? 2 : 3, type: x.isLimit ? "dashed" : "solid" },
      areaStyle: x.isLimit ? { color: "rgba(15,23,42,0.04)" } : undefined,
      endLabel: {
        show: !narrow,
        formatter: function () {
          return x.label;
        },
        color: color,
        fontWeight: 600,
        fontSize: 12,
      },
      emphasis: { focus: "series" },
      z: x.isPredicted ? 4 : x.isLimit ? 1 : 3,
    };
  });
  const ideal = {
    name: "linear",
    type: "line",
    data: ts.map(function (t) {
      return [t, t];
    }),
    symbol: "none",
    silent: true,
    color: "#94a3b8",
    lineStyle: { width: 1.5, type: [2, 4], opacity: 0.7 },
    z: 0,
    tooltip: { show: false },
  };
  const yMax = Math.max(1, Math.ceil(s.max * 1.15));
  return {
    count: function (opt) {
      const n = opt.series.length - 1;
      let pts = 0;
      for (let i = 0; i < n; i++) pts += dataLen(opt, i);
      return {
        series: n,
        points: pts,
        limit: s.series.some(function (x) {
          return x.isLimit;
        }),
      };
    },
    option: {
      legend: narrow
        ? {
            top: 0,
            left: 0,
            right: 0,
            icon: "roundRect",
            itemWidth: 14,
            itemHeight: 4,
            textStyle: { color: MUTED, fontSize: 11 },
            data: s.series.map(function (x) {
              return x.label;
            }),
          }
        : undefined,
      grid: { left: 8, right: narrow ? 16 : 130, top: narrow ? 64 : 30, bottom: 30, containLabel: true },
      tooltip: merge(tooltipBase, {
        trigger: "axis",
        formatter: function (ps: { data: [number, number]; seriesIndex: number; marker: string }[]) {
          const t = ps[0].data[0];
          const i = ts.indexOf(t);
          let rows = "";
          ps.forEach(function (p) {
            const x = s.series[p.seriesIndex];
            if (!x) return;
            const more: string[] = [];
            if (x.efficiency) more.push(fmt(x.efficiency[i] * 100, 0) + "% eff.");
            if (x.aborts) more.push(fmt(x.aborts[i]) + " aborts");
            rows +=
              "<div>" +
              p.marker +
              esc(x.label) +
              ": <b>" +
              fmt(p.data[1], 2) +
              "&times;</b>" +
              (more.length ? " <span style='opacity:.7'>(" + esc(more.join(", ")) + ")</span>" : "") +
              "</div>";
          });
          return "<b>" + fmt(t) + " thread" + (t === 1 ? "" : "s") + "</b>" + rows;
        },
      }),
      xAxis: {
        type: "log",
        logBase: 2,
        min: ts[0],
        max: maxT,
        name: "threads",
        nameLocation: "middle",
        nameGap: 28,
        nameTextStyle: { color: MUTED },
        axisLabel: { color: MUTED },
        splitLine: { lineStyle: { color: GRID } },
        axisLine: { lineStyle: { color: GRID } },
      },
      yAxis: {
        type: "value",
        min: 0,
        max: yMax,
        name: "speedup (\u00d7 serial)",
        nameTextStyle: { color: MUTED, align: "left" },
        axisLabel: {
          color: MUTED,
          formatter: function (v: number) {
            return v + "\u00d7";
          },
        },
        splitLine: { lineStyle: { color: GRID } },
      },
      series: [...series, ideal],
    },
  };
});

// Gantt chart of one block under Block-STM: executions, validations, aborts.
mount("chart-gantt", function () {
  const g = view.gantt;
  if (!g.tasks.length) return null;
  const COLORS = { exec: "#6366f1", reexec: "#8b5cf6", aborted: "#ef4444", validate: "#14b8a6", failed: "#f59e0b" };
  function colorOf(v: GanttTask) {
    if (v[5] === 1) return v[6] ? COLORS.failed : COLORS.validate;
    if (v[6]) return COLORS.aborted;
    return v[4] > 0 ? COLORS.reexec : COLORS.exec;
  }
  const threads: string[] = [];
  for (let i = 0; i < g.threads; i++) threads.push("thread " + (i + 1));
  function renderItem(params: RenderParams, api: RenderApi) {
    const thread = api.value(0);
    const a = api.coord([api.value(1), thread]),
      b = api.coord([api.value(2), thread]);
    const band = api.size([0, 1])[1];
    const isVal = api.value(5) === 1;
    const h = band * (isVal ? 0.32 : 0.66);
    const y = isVal ? a[1] + band * 0.5 - h - 2 : a[1] - band * 0.5 + 3;
    const cs = params.coordSys;
    const shape = echarts.graphic.clipRectByRect(
      { x: a[0], y: y, width: Math.max(b[0] - a[0] - 1, 1.5), height: h },
      { x: cs.x, y: cs.y, width: cs.width, height: cs.height },
    );
    if (!shape) return null;
    const v = [api.value(0), api.value(1), api.value(2), api.value(3), api.value(4), api.value(5), api.value(6)] as GanttTask;
    // The longest label that fits: "✕ tx12·1", "tx12·1", "tx12", or none.
    let label = "";
    if (!isVal) {
      const full = "tx" + v[3] + (v[4] > 0 ? "\u00b7" + v[4] : "");
      const options = [(v[6] ? "\u2715 " : "") + full, full, "tx" + v[3]];
      for (let o = 0; o < options.length && !label; o++) if (options[o].length * 6.2 + 8 <= shape.width) label = options[o];
    }
    return {
      type: "rect",
      transition: ["shape"],
      shape: shape,
      style: { fill: colorOf(v), stroke: "rgba(255,255,255,0.9)", lineWidth: 1 },
      textContent: label ? { style: { text: label, fill: "#fff", fontSize: 10, fontWeight: 600, fontFamily: FONT } } : undefined,
      textConfig: label ? { position: "inside" } : undefined,
    };
  }
  const narrow = window.innerWidth < 700;
  const zoomEnd = g.tasks.length > 600 ? Math.max(5, Math.round((100 * 400) / g.tasks.length)) : 100;
  return {
    count: function (opt) {
      const d = (opt.series[0]?.data ?? []) as (GanttTask | { value: GanttTask })[];
      let aborted = 0;
      for (const t of d) if (("value" in t ? t.value : t)[6]) aborted++;
      return { tasks: d.length, aborted: aborted, threads: opt.yAxis[0]?.data?.length ?? 0 };
    },
    option: {
      tooltip: merge(tooltipBase, {
        formatter: function (p: { value: GanttTask }) {
          const v = p.value,
            kind = v[5] === 1 ? "validation" : "execution";
          const what = v[5] === 1 ? (v[6] ? "failed: re-execute" : "passed") : v[6] ? "aborted" : v[4] > 0 ? "re-execution" : "committed";
          return (
            "<b>tx " +
            fmt(v[3]) +
            "</b>, incarnation " +
            fmt(v[4]) +
            "<br>" +
            kind +
            " on thread " +
            (v[0] + 1) +
            " &middot; " +
            esc(what) +
            "<br>" +
            fmt(v[1]) +
            " &rarr; " +
            fmt(v[2]) +
            " " +
            esc(g.unit) +
            " (" +
            fmt(v[2] - v[1]) +
            ")"
          );
        },
      }),
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      // Long schedules open on their first ~400 tasks; the slider shows the rest.
      dataZoom: [
        {
          type: "slider",
          xAxisIndex: 0,
          filterMode: "weakFilter",
          height: 18,
          bottom: 8,
          borderColor: GRID,
          showDetail: false,
          start: 0,
          end: zoomEnd,
        },
        { type: "inside", xAxisIndex: 0, filterMode: "weakFilter", start: 0, end: zoomEnd },
      ],
      xAxis: {
        type: "value",
        min: 0,
        max: g.stats.makespan,
        name: g.unit,
        nameLocation: "end",
        nameTextStyle: { color: MUTED },
        axisLabel: {
          color: MUTED,
          hideOverlap: true,
          formatter: function (v: number) {
            return v >= 1e6 ? fmt(v / 1e6, 1) + "M" : v >= 1e3 ? fmt(v / 1e3, 0) + "k" : fmt(v);
          },
        },
        splitLine: { lineStyle: { color: GRID } },
      },
      yAxis: {
        type: "category",
        data: threads,
        inverse: true,
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { color: MUTED, fontSize: narrow ? 10 : 12 },
        splitArea: { show: true, areaStyle: { color: ["#fafbff", "#f1f5f9"] } },
      },
      series: [{ type: "custom", renderItem: renderItem, encode: { x: [1, 2], y: 0 }, data: g.tasks, clip: true }],
    },
  };
});

// Largest component of the dependency graph.
mount("chart-graph", function () {
  const gr = view.graph;
  if (!gr.nodes.length) return null;
  const count = gr.nodes.length,
    big = count > 120;
  let maxDeg = 1;
  gr.nodes.forEach(function (n) {
    if (n.degree > maxDeg) maxDeg = n.degree;
  });
  const nodes = gr.nodes.map(function (n) {
    const size = big ? 5 + 9 * Math.sqrt(n.degree / maxDeg) : 7 + 15 * Math.sqrt(n.degree / maxDeg);
    return {
      id: n.id,
      name: "tx " + n.tx,
      category: n.category,
      symbolSize: size,
      value: n.degree,
      tx: n.tx,
      block: n.block,
      itemStyle: n.tx === gr.root ? { borderColor: INK, borderWidth: 2 } : undefined,
    };
  });
  const edges = gr.edges.map(function (e) {
    return { source: e.source, target: e.target, kind: e.kind, variable: e.variable };
  });
  const repulsion = count < 80 ? 110 : count < 160 ? 90 : 150;
  return {
    count: function (opt) {
      return {
        nodes: dataLen(opt, 0),
        edges: (opt.series[0]?.links ?? opt.series[0]?.edges ?? []).length,
        categories: gr.categories.length,
      };
    },
    option: {
      color: CATS,
      legend: {
        type: "scroll",
        top: 0,
        left: 0,
        right: 0,
        textStyle: { color: MUTED, fontSize: 11 },
        icon: "circle",
        itemWidth: 10,
        itemHeight: 10,
        data: gr.categories,
      },
      tooltip: merge(tooltipBase, {
        formatter: function (p: { dataType?: string; data: GraphEdge | GraphNode }) {
          if (p.dataType === "edge") {
            const e = p.data as GraphEdge;
            return (
              "tx " +
              esc(e.source) +
              " &rarr; tx " +
              esc(e.target) +
              (e.kind ? "<br>" + esc(e.kind) : "") +
              (e.variable ? "<br>on <code>" + esc(e.variable) + "</code>" : "")
            );
          }
          const d = p.data as GraphNode;
          return (
            "<b>tx " +
            fmt(d.tx) +
            "</b>" +
            (d.block !== null ? " &middot; block " + fmt(d.block) : "") +
            "<br>" +
            esc(gr.categories[d.category]) +
            "<br>" +
            fmt(d.value) +
            " conflict edge" +
            (d.value === 1 ? "" : "s") +
            " drawn"
          );
        },
      }),
      series: [
        {
          type: "graph",
          layout: "force",
          top: 44,
          bottom: 8,
          left: 8,
          right: 8,
          roam: true,
          draggable: false,
          data: nodes,
          links: edges,
          categories: gr.categories.map(function (c) {
            return { name: c };
          }),
          force: {
            repulsion: repulsion,
            gravity: big ? 0.05 : 0.16,
            edgeLength: big ? [30, 90] : [24, 70],
            friction: 0.2,
            layoutAnimation: false,
          },
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: [0, 5],
          lineStyle: { color: "#94a3b8", opacity: big ? 0.25 : 0.55, width: big ? 0.6 : 1, curveness: 0.08 },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          label: { show: false },
          emphasis: {
            focus: "adjacency",
            lineStyle: { width: 2, opacity: 1 },
            label: { show: true, position: "right", fontSize: 11, color: INK },
          },
        },
      ],
    },
  };
});

window.addEventListener("resize", function () {
  charts.forEach(function (c) {
    c.resize();
  });
});
Promise.all(pending).then(function () {
  status.ready = true;
  document.documentElement.setAttribute("data-report-ready", "true");
});
