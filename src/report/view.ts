/**
 * Turns validated ReportData into chart-ready view data: everything the page's script needs,
 * already laid out in the shape echarts takes, so the in-page code only builds options.
 * Pure functions; the HTML renderer and the tests both use them.
 */
import type { GanttTask, ReportData } from "./model.js";

/** Default cap on the dependency-graph nodes drawn (force layout stays readable and fast). */
export const DEFAULT_MAX_GRAPH_NODES = 250;

export interface MatrixView {
  functions: string[];
  /** [x index, y index, count, kind, variable]; a pair a != b appears at (a,b) and (b,a). */
  points: [number, number, number, string, string | null][];
  max: number;
}

export interface SpeedupView {
  threads: number[];
  series: {
    scheduler: string;
    label: string;
    colour: string | null;
    isLimit: boolean;
    /** The calibrated engine prediction (the others are then idealized upper bounds). */
    isPredicted: boolean;
    data: [number, number][];
    aborts: number[] | null;
    wastedWork: number[] | null;
    efficiency: number[] | null;
  }[];
  /** Highest speedup of any series; the chart's y axis is scaled to it, not to the ideal line. */
  max: number;
  /** The engine the prediction stands for, or null (idealized figures only). */
  predicted: { engine: string; hardware: string; calibratedThreads: number; validation: string; relaxation: string } | null;
}

/** Scheduler name of the predicted series in the view. */
export const PREDICTED_SERIES = "predicted";
const PREDICTED_COLOUR = "#e11d48";

export interface GanttView {
  block: number | null;
  scheduler: string;
  threads: number;
  unit: string;
  /** [thread, start, end, tx, incarnation, kind (0 execute, 1 validate), aborted (0/1)] */
  tasks: [number, number, number, number, number, 0 | 1, 0 | 1][];
  stats: {
    executions: number;
    reExecutions: number;
    abortedExecutions: number;
    validations: number;
    failedValidations: number;
    makespan: number;
    txs: number;
  };
}

export interface GraphView {
  /** Size of the whole input graph. */
  totalNodes: number;
  totalEdges: number;
  /** Size of its largest connected component (ties: the one with the lowest tx id). */
  componentNodes: number;
  componentEdges: number;
  /** Where the breadth-first cap started: the best-connected tx of the component. */
  root: number | null;
  capped: boolean;
  categories: string[];
  nodes: { id: string; tx: number; category: number; degree: number; block: number | null }[];
  edges: { source: string; target: string; kind: string | null; variable: string | null }[];
}

export interface ReportView {
  matrix: MatrixView;
  speedups: SpeedupView;
  gantt: GanttView;
  graph: GraphView;
}

export interface ViewOptions {
  /** Cap on drawn dependency-graph nodes; DEFAULT_MAX_GRAPH_NODES by default. */
  maxGraphNodes?: number;
}

export function buildMatrixView(m: ReportData["functionMatrix"]): MatrixView {
  const index = new Map(m.functions.map((f, i) => [f, i]));
  const points: MatrixView["points"] = [];
  let max = 0;
  for (const c of m.cells) {
    const a = index.get(c.a)!;
    const b = index.get(c.b)!;
    const v = c.variable ?? null;
    points.push([a, b, c.count, c.kind, v]);
    if (a !== b) points.push([b, a, c.count, c.kind, v]);
    max = Math.max(max, c.count);
  }
  return { functions: m.functions, points, max };
}

export function buildSpeedupView(s: ReportData["speedups"]): SpeedupView {
  let max = 0;
  const p = s.predicted;
  // With a prediction, every scheduler curve is the idealized model: labelled as such.
  const idealized = (x: { scheduler: string; label?: string | undefined }) => {
    const label = x.label ?? x.scheduler;
    return p && x.scheduler !== "serial" ? `${label} (idealized)` : label;
  };
  const predictedSeries: SpeedupView["series"] = p
    ? [
        {
          scheduler: PREDICTED_SERIES,
          label: `predicted: ${p.engine}`,
          colour: PREDICTED_COLOUR,
          isLimit: false,
          isPredicted: true,
          data: s.threads.map((t, i) => [t, p.speedup[i]] as [number, number]),
          aborts: null,
          wastedWork: null,
          efficiency: null,
        },
      ]
    : [];
  p?.speedup.forEach((v) => (max = Math.max(max, v)));
  const series = s.series.map((x) => {
    x.speedup.forEach((v) => (max = Math.max(max, v)));
    return {
      scheduler: x.scheduler,
      label: idealized(x),
      colour: x.colour ?? null,
      isLimit: x.scheduler === "dag",
      isPredicted: false,
      data: s.threads.map((t, i) => [t, x.speedup[i]] as [number, number]),
      aborts: x.aborts ?? null,
      wastedWork: x.wastedWork ?? null,
      efficiency: x.efficiency ?? null,
    };
  });
  const predicted = p
    ? { engine: p.engine, hardware: p.hardware, calibratedThreads: p.calibratedThreads, validation: p.validation, relaxation: p.relaxation }
    : null;
  return { threads: s.threads, series: [...predictedSeries, ...series], max, predicted };
}

export function buildGanttView(g: ReportData["gantt"]): GanttView {
  const tasks = [...g.tasks]
    .sort((x, y) => x.start - y.start || x.thread - y.thread)
    .map(
      (t: GanttTask) =>
        [t.thread, t.start, t.end, t.tx, t.incarnation, t.kind === "execute" ? 0 : 1, t.aborted ? 1 : 0] as GanttView["tasks"][number],
    );
  const exec = g.tasks.filter((t) => t.kind === "execute");
  const val = g.tasks.filter((t) => t.kind === "validate");
  return {
    block: g.block ?? null,
    scheduler: g.scheduler,
    threads: g.threads,
    unit: g.unit,
    tasks,
    stats: {
      executions: exec.length,
      reExecutions: exec.filter((t) => t.incarnation > 0).length,
      abortedExecutions: exec.filter((t) => t.aborted).length,
      validations: val.length,
      failedValidations: val.filter((t) => t.aborted).length,
      makespan: g.tasks.reduce((m, t) => Math.max(m, t.end), 0),
      txs: new Set(g.tasks.map((t) => t.tx)).size,
    },
  };
}

/**
 * The largest connected component of the (undirected) dependency graph, capped breadth-first
 * from its highest-degree node so that what is drawn stays connected.
 */
export function buildGraphView(g: ReportData["graph"], maxNodes = DEFAULT_MAX_GRAPH_NODES): GraphView {
  const adj = new Map<number, Set<number>>();
  for (const n of g.nodes) adj.set(n.id, new Set());
  for (const e of g.edges) {
    if (e.source === e.target) continue;
    adj.get(e.source)!.add(e.target);
    adj.get(e.target)!.add(e.source);
  }
  // Components in ascending id order, so ties go to the earliest transactions.
  const seen = new Set<number>();
  let best: number[] = [];
  for (const id of [...adj.keys()].sort((a, b) => a - b)) {
    if (seen.has(id)) continue;
    const comp: number[] = [];
    const stack = [id];
    seen.add(id);
    while (stack.length) {
      const x = stack.pop()!;
      comp.push(x);
      for (const y of adj.get(x)!) {
        if (!seen.has(y)) {
          seen.add(y);
          stack.push(y);
        }
      }
    }
    if (comp.length > best.length) best = comp;
  }
  const inComp = new Set(best);
  const componentEdges = g.edges.filter((e) => inComp.has(e.source) && inComp.has(e.target) && e.source !== e.target).length;

  let root: number | null = null;
  for (const id of best) {
    const d = adj.get(id)!.size;
    if (root === null || d > adj.get(root)!.size || (d === adj.get(root)!.size && id < root)) root = id;
  }
  const cap = Math.max(1, Math.floor(maxNodes));
  const kept = new Set<number>();
  if (root !== null) {
    const queue = [root];
    kept.add(root);
    for (let i = 0; i < queue.length && kept.size < cap; i++) {
      const nbrs = [...adj.get(queue[i])!].sort((a, b) => a - b);
      for (const y of nbrs) {
        if (kept.size >= cap) break;
        if (!kept.has(y)) {
          kept.add(y);
          queue.push(y);
        }
      }
    }
  }

  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const categories: string[] = [];
  const catIndex = new Map<string, number>();
  const ids = [...kept].sort((a, b) => a - b);
  const edges = g.edges.filter((e) => kept.has(e.source) && kept.has(e.target) && e.source !== e.target);
  const degree = new Map<number, number>();
  for (const e of edges) {
    degree.set(e.source, (degree.get(e.source) ?? 0) + 1);
    degree.set(e.target, (degree.get(e.target) ?? 0) + 1);
  }
  const nodes = ids.map((id) => {
    const n = byId.get(id)!;
    const fn = n.function ?? "(unknown function)";
    let c = catIndex.get(fn);
    if (c === undefined) {
      c = categories.length;
      categories.push(fn);
      catIndex.set(fn, c);
    }
    return { id: String(id), tx: id, category: c, degree: degree.get(id) ?? 0, block: n.block ?? null };
  });
  return {
    totalNodes: g.nodes.length,
    totalEdges: g.edges.length,
    componentNodes: best.length,
    componentEdges,
    root,
    capped: kept.size < best.length,
    categories,
    nodes,
    edges: edges.map((e) => ({
      source: String(e.source),
      target: String(e.target),
      kind: e.kind ?? null,
      variable: e.variable ?? null,
    })),
  };
}

export function buildReportView(data: ReportData, options: ViewOptions = {}): ReportView {
  return {
    matrix: buildMatrixView(data.functionMatrix),
    speedups: buildSpeedupView(data.speedups),
    gantt: buildGanttView(data.gantt),
    graph: buildGraphView(data.graph, options.maxGraphNodes),
  };
}
