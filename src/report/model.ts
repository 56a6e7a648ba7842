/**
 * The report's input model: everything the HTML report draws, and nothing it has to compute
 * beyond layout. The conflict analyzer (src/conflicts/) and the scheduler simulator
 * (src/schedule/) are turned into a `ReportData` by thin adapters; the report itself only
 * validates, escapes and draws.
 *
 * Serialized as JSON with `format: "disjoint.report"` and `version: 1`; bump
 * REPORT_FORMAT_VERSION on any incompatible change (adding optional fields is compatible).
 *
 * Conventions:
 * - Transactions are named by their position in the analyzed sequence (`tx`, a global index
 *   across blocks); `label` fields are optional display names.
 * - Times in `gantt` are in the simulator's cost unit (`gantt.unit`, e.g. "gas").
 * - Every string may come from untrusted input (decoded slot names, function signatures from
 *   a replayed block): the renderer escapes all of them.
 */
import { InputError } from "../errors.js";
import { z } from "zod";

export const REPORT_FORMAT = "disjoint.report";
export const REPORT_FORMAT_VERSION = 1;

const count = z.number().int().nonnegative();
const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonneg = finite.refine((x) => x >= 0, "must be >= 0");
const text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "address: expected 0x and 40 hex digits");
const slot = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, "storage slot: expected 0x and up to 64 hex digits");

/** Where the analyzed transactions came from. */
export const ReportSource = z
  .object({
    /** Same kinds as the access-set format's source. */
    kind: z.enum(["workload", "replay", "bal", "rpc", "synthetic"]),
    /** One line: what was captured, e.g. "mainnet blocks 21000000-21000009". */
    description: text(500),
    chainId: z.number().int().optional(),
    /** Input file(s) the report was made from, as given on the command line. */
    files: z.array(text(500)).optional(),
  })
  .strict();

/** The headline numbers. */
export const ReportSummary = z
  .object({
    txs: count,
    blocks: count,
    /** Share of transactions that conflict with at least one other one, in [0, 1]. */
    conflictRate: nonneg.refine((x) => x <= 1, "conflictRate must be in [0, 1]"),
    /** Conflicting transaction pairs (edges of the dependency graph). */
    conflictPairs: count.optional(),
    /** Conflicting pairs / pairs of transactions in the same block, in [0, 1]. */
    conflictPairShare: nonneg.refine((x) => x <= 1, "conflictPairShare must be in [0, 1]").optional(),
    /** Longest dependency chain, in transactions. */
    longestChain: count,
    /** Connected components of the conflict graph (an isolated transaction is one component). */
    components: count,
    /** Size of the largest component, in transactions. */
    largestComponent: count.optional(),
    /** Upper bound on speedup from dependencies alone (total cost / critical-path cost). */
    dagSpeedupBound: nonneg.optional(),
    /** Storage slots written by more than one transaction. */
    hotSlotCount: count.optional(),
  })
  .strict();

/** One storage slot several transactions touch; `name` is the decoded variable when known. */
export const HotSlot = z
  .object({
    /** Decoded name, e.g. "Pair.reserve0" or "Market.totalBorrow"; absent when undecoded. */
    name: text(300).optional(),
    /** Contract name of `address`, when known. */
    contract: text(200).optional(),
    address,
    slot,
    /** Transactions touching the slot (readers or writers). */
    txCount: count,
    writers: count,
    readers: count,
  })
  .strict();

/** Kind of conflict between two functions: who writes what the other reads or writes. */
export const ConflictKind = z.enum(["write-write", "read-write", "mixed"]);

/** One unordered pair of functions and how often their transactions conflicted. */
export const MatrixCell = z
  .object({
    /** Function names; must appear in `functions`. a == b is a function conflicting with itself. */
    a: text(300),
    b: text(300),
    count: count,
    kind: ConflictKind,
    /** The state variable behind most of these conflicts, decoded when possible. */
    variable: text(300).nullable().optional(),
  })
  .strict();

export const FunctionMatrix = z
  .object({
    /** Display order of the axes, e.g. "Pair.swap", "Market.borrow". */
    functions: z.array(text(300)).max(200, "at most 200 functions (group the rest as 'other')"),
    cells: z.array(MatrixCell),
  })
  .strict();

/** One scheduler's speedup (serial time / parallel makespan) at each thread count. */
export const SpeedupSeries = z
  .object({
    /** "serial", "dag", "block-stm", "locks", ...; "dag" is drawn as the dependency limit. */
    scheduler: text(100),
    /** Display name; defaults to `scheduler`. */
    label: text(200).optional(),
    /** Chart colour (#rrggbb), from the scheduler table; a palette colour when absent. */
    colour: z
      .string()
      .regex(/^#[0-9a-f]{6}$/, "colour: expected #rrggbb")
      .optional(),
    speedup: z.array(nonneg),
    /** Optional per-thread-count extras, same length as `speedup`. */
    efficiency: z.array(nonneg).optional(),
    aborts: z.array(count).optional(),
    /** Cost spent on executions that were later aborted. */
    wastedWork: z.array(nonneg).optional(),
  })
  .strict();

/**
 * The calibrated prediction of one real engine (src/schedule/cost-model.ts, an engine profile
 * of src/schedule/engines/): the report's "predicted speedup". When present, the scheduler
 * series are the idealized model (a tx takes its gas, no engine overheads): upper bounds.
 */
export const PredictedSpeedup = z
  .object({
    /** Profile name, e.g. "pevm-graviton3-c12". */
    engine: text(100),
    description: text(500),
    /** The machine the calibration stands for. */
    hardware: text(300),
    /** Thread count of the measurements the profile was fitted on. */
    calibratedThreads: z.number().int().positive(),
    /** How far off the calibration was on its held-back blocks (from the profile's fit record). */
    validation: text(500),
    /** What the engine resolves without a dependency (scheduling only). */
    relaxation: text(500),
    /** Predicted speedup at each of speedups.threads. */
    speedup: z.array(nonneg),
    /** Blocks the engine would run sequentially (size threshold, self-destruct abort), per thread count. */
    fallbacks: z.array(count).optional(),
  })
  .strict();

export const Speedups = z
  .object({
    threads: z.array(z.number().int().positive()).min(1, "at least one thread count"),
    series: z.array(SpeedupSeries).min(1, "at least one scheduler"),
    /** The calibrated engine prediction (optional, added in v1). */
    predicted: PredictedSpeedup.optional(),
  })
  .strict();

/** One bar of the Block-STM Gantt chart: one incarnation of one transaction on one thread. */
export const GanttTask = z
  .object({
    tx: count,
    /** 0 for the first execution, n for the n-th re-execution. */
    incarnation: count,
    /** 0-based thread index, < gantt.threads. */
    thread: count,
    start: nonneg,
    end: nonneg,
    kind: z.enum(["execute", "validate"]),
    /** The execution was invalidated (or the validation failed) and the tx re-executes. */
    aborted: z.boolean(),
  })
  .strict();

export const Gantt = z
  .object({
    /** Which block of the input the schedule is for. */
    block: count.optional(),
    scheduler: text(100).default("block-stm"),
    threads: z.number().int().positive(),
    /** Unit of start/end, e.g. "gas". */
    unit: text(40).default("gas"),
    tasks: z.array(GanttTask).max(20_000, "at most 20000 tasks: pick a smaller block"),
  })
  .strict();

export const GraphNode = z
  .object({
    /** Transaction index. */
    id: count,
    /** Function of the transaction, e.g. "Pair.swap". */
    function: text(300).optional(),
    block: count.optional(),
  })
  .strict();

/** Dependency edge: `target` (later) must see `source`'s (earlier) writes. */
export const GraphEdge = z
  .object({
    source: count,
    target: count,
    kind: ConflictKind.optional(),
    /** The slot's decoded name or raw key behind the dependency. */
    variable: text(300).optional(),
  })
  .strict();

/**
 * The dependency graph. May hold the whole graph: the renderer draws the largest connected
 * component, capped to `maxNodes` nodes (taken breadth-first from its best-connected node).
 */
export const DependencyGraph = z
  .object({
    nodes: z.array(GraphNode),
    edges: z.array(GraphEdge),
  })
  .strict();

/** One line of advice on a potentially hot variable (src/conflicts/advice.ts), for captures of many blocks. */
export const AdviceLine = z
  .object({
    subject: text(300),
    pattern: text(40),
    because: text(1000),
    /** Function pairs of different senders in conflict on it. */
    pairs: count,
    keys: count,
    fix: z.boolean(),
    remedy: text(500),
    buildingBlock: text(300).optional(),
    doc: text(300).optional(),
  })
  .strict();

export const ReportData = z
  .object({
    format: z.literal(REPORT_FORMAT),
    version: z.literal(REPORT_FORMAT_VERSION),
    title: text(200),
    /** ISO 8601 time the report data was produced. */
    generatedAt: text(64).optional(),
    source: ReportSource,
    /** Free-form notes shown under the title, e.g. "synthetic sample, not a measurement". */
    notes: z.array(text(1000)).optional(),
    summary: ReportSummary,
    hotSlots: z.array(HotSlot),
    functionMatrix: FunctionMatrix,
    speedups: Speedups,
    gantt: Gantt,
    graph: DependencyGraph,
    /** Advice from the potential conflicts across senders (optional, added in v1). */
    advice: z.array(AdviceLine).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const fns = new Set(d.functionMatrix.functions);
    if (fns.size !== d.functionMatrix.functions.length) {
      ctx.addIssue({ code: "custom", path: ["functionMatrix", "functions"], message: "function names must be unique" });
    }
    d.functionMatrix.cells.forEach((c, i) => {
      for (const k of ["a", "b"] as const) {
        if (!fns.has(c[k])) {
          ctx.addIssue({
            code: "custom",
            path: ["functionMatrix", "cells", i, k],
            message: `function "${c[k]}" is not listed in functionMatrix.functions`,
          });
        }
      }
    });
    const n = d.speedups.threads.length;
    d.speedups.series.forEach((s, i) => {
      for (const k of ["speedup", "efficiency", "aborts", "wastedWork"] as const) {
        const arr = s[k];
        if (arr !== undefined && arr.length !== n) {
          ctx.addIssue({
            code: "custom",
            path: ["speedups", "series", i, k],
            message: `has ${arr.length} values but speedups.threads has ${n}`,
          });
        }
      }
    });
    const p = d.speedups.predicted;
    for (const k of ["speedup", "fallbacks"] as const) {
      const arr = p?.[k];
      if (arr !== undefined && arr.length !== n) {
        ctx.addIssue({
          code: "custom",
          path: ["speedups", "predicted", k],
          message: `has ${arr.length} values but speedups.threads has ${n}`,
        });
      }
    }
    d.gantt.tasks.forEach((t, i) => {
      if (t.thread >= d.gantt.threads) {
        ctx.addIssue({
          code: "custom",
          path: ["gantt", "tasks", i, "thread"],
          message: `thread ${t.thread} but gantt.threads is ${d.gantt.threads}`,
        });
      }
      if (t.end < t.start) {
        ctx.addIssue({ code: "custom", path: ["gantt", "tasks", i, "end"], message: "end is before start" });
      }
    });
    const ids = new Set<number>();
    d.graph.nodes.forEach((node, i) => {
      if (ids.has(node.id)) {
        ctx.addIssue({ code: "custom", path: ["graph", "nodes", i, "id"], message: `duplicate node id ${node.id}` });
      }
      ids.add(node.id);
    });
    d.graph.edges.forEach((e, i) => {
      for (const k of ["source", "target"] as const) {
        if (!ids.has(e[k])) {
          ctx.addIssue({ code: "custom", path: ["graph", "edges", i, k], message: `no node with id ${e[k]}` });
        }
      }
    });
  });

export type ReportSource = z.infer<typeof ReportSource>;
export type ReportSummary = z.infer<typeof ReportSummary>;
export type HotSlot = z.infer<typeof HotSlot>;
export type AdviceLine = z.infer<typeof AdviceLine>;
export type ConflictKind = z.infer<typeof ConflictKind>;
export type MatrixCell = z.infer<typeof MatrixCell>;
export type FunctionMatrix = z.infer<typeof FunctionMatrix>;
export type SpeedupSeries = z.infer<typeof SpeedupSeries>;
export type Speedups = z.infer<typeof Speedups>;
export type PredictedSpeedup = z.infer<typeof PredictedSpeedup>;
export type GanttTask = z.infer<typeof GanttTask>;
export type Gantt = z.infer<typeof Gantt>;
export type GraphNode = z.infer<typeof GraphNode>;
export type GraphEdge = z.infer<typeof GraphEdge>;
export type DependencyGraph = z.infer<typeof DependencyGraph>;
/** Validated report data (defaults filled in). */
export type ReportData = z.infer<typeof ReportData>;
/** Report data as written by an adapter (fields with defaults may be omitted). */
export type ReportDataInput = z.input<typeof ReportData>;

/** Input that is not valid report data; the message names file, path and problem. */
export class ReportDataError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    const lines = problems.slice(0, 10).map((p) => `  at ${p.path || "(top level)"}: ${p.message}`);
    const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : "";
    super(`${file} is not valid ${REPORT_FORMAT} v${REPORT_FORMAT_VERSION} data:\n${lines.join("\n")}${more}`);
  }
}

/** Validates parsed JSON as report data, filling defaults. Throws ReportDataError. */
export function parseReportData(json: unknown, file = "<input>"): ReportData {
  if (typeof json === "object" && json !== null && "format" in json) {
    const { format, version } = json as { format: unknown; version: unknown };
    if (format === REPORT_FORMAT && version !== REPORT_FORMAT_VERSION) {
      throw new ReportDataError(file, [
        {
          path: "version",
          message: `version ${String(version)} is not supported; this build reads version ${REPORT_FORMAT_VERSION} (regenerate the report data with this version of disjoint)`,
        },
      ]);
    }
  }
  const result = ReportData.safeParse(json);
  if (!result.success) {
    throw new ReportDataError(
      file,
      result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  return result.data;
}
