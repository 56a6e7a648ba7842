/**
 * Block-STM (Gelashvili et al., PPoPP 2023) simulated in virtual time.
 *
 * The scheduler and multi-version memory follow the paper's pseudo-code: incarnations,
 * per-tx status (READY_TO_EXECUTE, EXECUTING, EXECUTED, ABORTING), the collaborative
 * scheduler's execution_idx / validation_idx / num_active_tasks, add_dependency on an
 * ESTIMATE read, finish_execution / finish_validation, and ESTIMATE markers on the writes of
 * an aborted incarnation. Threads run a discrete-event loop; scheduler operations take no
 * time. Model assumptions (docs/schedulers.md):
 *  - an execution of tx i takes cost[i]; it reads its whole read set at its start and
 *    publishes its write set at its end (widest conflict window, conservative);
 *  - reading an ESTIMATE suspends the execution after suspendFraction * cost[i] (default
 *    0.05: start-up and the reads up to the ESTIMATE); a zero cost lets a thread sweep the
 *    whole block in no time, re-suspending every woken dependent, which no machine does;
 *  - a validation takes validationFixed + validationPerRead * reads + validationFraction * cost[i]
 *    and checks the read set at its end;
 *  - every incarnation reads and writes the same locations as the observed sets (the
 *    values may differ, the locations do not).
 * Engine overheads (all default 0, which is the idealized model; a calibrated engine
 * profile, src/schedule/cost-model.ts, sets them): every execution, re-executions included,
 * takes cost[i] + executionFixed + executionPerRead * reads + executionPerWrite * writes
 * (the multi-version memory's reads and writes); thread k (0-based) starts at
 * (k + 1) * threadStart (threads are spawned one after another); a suspension on an ESTIMATE
 * takes suspendFixed more; after the last thread is
 * done, a serial commit of commitFixed + commitPerTx * txs follows (collecting results in
 * block order, evaluating lazily updated accounts).
 */
import { UsageError } from "../errors.js";
import type { PreparedTx } from "./block.js";
import { IntHeap } from "./graph.js";
import type { BlockStmStats, CommonOptions, SimulationResult, TimelineEntry } from "./types.js";

export interface BlockStmOptions extends CommonOptions {
  /** Validation cost as a fraction of the tx's execution cost (default 0.05). */
  validationFraction?: number;
  /** Validation cost per read location (default 0). */
  validationPerRead?: number;
  /** Fixed validation cost (default 0). */
  validationFixed?: number;
  /** Time an execution runs before it is suspended on an ESTIMATE, as a fraction of its cost (default 0.05). */
  suspendFraction?: number;
  /** Record every execution and validation (for a Gantt chart). */
  timeline?: boolean;
  /** Fixed time added to every execution, re-executions included (default 0). */
  executionFixed?: number;
  /** Time per read location added to every execution: the multi-version memory read (default 0). */
  executionPerRead?: number;
  /** Time per written location added to every execution: the multi-version memory write (default 0). */
  executionPerWrite?: number;
  /** Spawn time of one thread: thread k starts at (k + 1) * threadStart (default 0). */
  threadStart?: number;
  /** Fixed time added to every suspension on an ESTIMATE: registering the dependency, waking up (default 0). */
  suspendFixed?: number;
  /** Serial time after all threads are done, fixed part (default 0). */
  commitFixed?: number;
  /** Serial time after all threads are done, per transaction (default 0). */
  commitPerTx?: number;
  /**
   * Per-tx cost, in place of block.txs[i].cost: runs the same block under other costs (an
   * engine profile's times) without copying it, sharing its memory layout.
   */
  cost?: ArrayLike<number>;
}

const READY = 0;
const EXECUTING = 1;
const EXECUTED = 2;
const ABORTING = 3;
const NOT_WRITTEN = -2;
const ESTIMATE = -1;

const T_NONE = 0;
const T_EXEC = 1;
const T_VAL = 2;
const T_SUSPEND = 3;
const T_START = 4;

function lowBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** A set of integers in [0, n) with "first member >= k": a two-level bitset. */
class IndexSet {
  private readonly b0: Uint32Array;
  private readonly b1: Uint32Array;
  constructor(private readonly n: number) {
    this.b0 = new Uint32Array((n >> 5) + 1);
    this.b1 = new Uint32Array((n >> 10) + 1);
  }
  add(i: number): void {
    this.b0[i >> 5] |= 1 << (i & 31);
    this.b1[i >> 10] |= 1 << ((i >> 5) & 31);
  }
  delete(i: number): void {
    const w = i >> 5;
    this.b0[w] &= ~(1 << (i & 31));
    if (this.b0[w] === 0) this.b1[i >> 10] &= ~(1 << (w & 31));
  }
  /** Smallest member >= k, or -1. */
  next(k: number): number {
    if (k >= this.n) return -1;
    let w = k >> 5;
    const m = this.b0[w] & ~((1 << (k & 31)) - 1);
    if (m !== 0) return (w << 5) + lowBit(m);
    let g = w >> 5;
    let gm = (w & 31) === 31 ? 0 : this.b1[g] & ~((1 << ((w & 31) + 1)) - 1);
    for (;;) {
      if (gm !== 0) {
        w = (g << 5) + lowBit(gm);
        return (w << 5) + lowBit(this.b0[w]);
      }
      if (++g >= this.b1.length) return -1;
      gm = this.b1[g];
    }
  }
}

/** What Block-STM reads of a block (a PreparedBlock is one): per tx, its cost and its sorted, unique read and write location ids. */
export interface BlockStmInput {
  number: number;
  locations: readonly string[];
  txs: readonly Pick<PreparedTx, "cost" | "reads" | "writes">[];
}

/**
 * The multi-version memory's layout of a block: one entry per (location, writer tx), writers
 * sorted by index; it depends only on the block's read and write sets, so it is built once per
 * prepared block and shared by every run on it (every thread count, every parameter set).
 */
interface MemoryLayout {
  /** Entries of location l: [wOff[l], wOff[l + 1]); wTx[e] is the writer of entry e. */
  wOff: Int32Array;
  wTx: Int32Array;
  /** Entry of each write, flat: tx i's are writeEntry[weOff[i] .. weOff[i + 1]). */
  weOff: Int32Array;
  writeEntry: Int32Array;
  /** Reads of tx i: [rOff[i], rOff[i + 1]). */
  rOff: Int32Array;
  /** Per read: the entry of the highest writer below the reader (or wOff[l] - 1 for none), and wOff[l]. */
  readTop: Int32Array;
  readLo: Int32Array;
}

const layouts = new WeakMap<BlockStmInput, MemoryLayout>();

function memoryLayout(block: BlockStmInput): MemoryLayout {
  const cached = layouts.get(block);
  if (cached) return cached;
  const txs = block.txs;
  const n = txs.length;
  const nLoc = block.locations.length;
  const wOff = new Int32Array(nLoc + 1);
  for (const t of txs) for (const l of t.writes) wOff[l + 1]++;
  for (let l = 0; l < nLoc; l++) wOff[l + 1] += wOff[l];
  const wTx = new Int32Array(wOff[nLoc]);
  const fill = wOff.slice(0, nLoc);
  const weOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) weOff[i + 1] = weOff[i] + txs[i].writes.length;
  const writeEntry = new Int32Array(weOff[n]);
  for (let i = 0; i < n; i++) {
    const w = txs[i].writes;
    for (let k = 0; k < w.length; k++) {
      const l = w[k];
      writeEntry[weOff[i] + k] = fill[l];
      wTx[fill[l]++] = i;
    }
  }
  const rOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rOff[i + 1] = rOff[i] + txs[i].reads.length;
  const readTop = new Int32Array(rOff[n]);
  const readLo = new Int32Array(rOff[n]);
  for (let i = 0; i < n; i++) {
    const t = txs[i];
    for (let k = 0; k < t.reads.length; k++) {
      const l = t.reads[k];
      let lo = wOff[l];
      let hi = wOff[l + 1]; // first writer >= i in [lo, hi)
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (wTx[mid] < i) lo = mid + 1;
        else hi = mid;
      }
      readTop[rOff[i] + k] = lo - 1;
      readLo[rOff[i] + k] = wOff[l];
    }
  }
  const layout = { wOff, wTx, weOff, writeEntry, rOff, readTop, readLo };
  layouts.set(block, layout);
  return layout;
}

/** Simulates Block-STM on `threads` threads. */
export function simulateBlockStm(block: BlockStmInput, opts: BlockStmOptions): SimulationResult {
  const threads = opts.threads;
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`threads must be a positive integer, got ${threads}`);
  const vFrac = opts.validationFraction ?? 0.05;
  const vRead = opts.validationPerRead ?? 0;
  const vFixed = opts.validationFixed ?? 0;
  const suspendFraction = opts.suspendFraction ?? 0.05;
  const xFixed = opts.executionFixed ?? 0;
  const xRead = opts.executionPerRead ?? 0;
  const xWrite = opts.executionPerWrite ?? 0;
  const threadStart = opts.threadStart ?? 0;
  const suspendFixed = opts.suspendFixed ?? 0;
  const commitFixed = opts.commitFixed ?? 0;
  const commitPerTx = opts.commitPerTx ?? 0;
  for (const [k, v] of [
    ["validationFraction", vFrac],
    ["validationPerRead", vRead],
    ["validationFixed", vFixed],
    ["suspendFraction", suspendFraction],
    ["executionFixed", xFixed],
    ["executionPerRead", xRead],
    ["executionPerWrite", xWrite],
    ["threadStart", threadStart],
    ["suspendFixed", suspendFixed],
    ["commitFixed", commitFixed],
    ["commitPerTx", commitPerTx],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new UsageError(`${k} must be a finite number >= 0, got ${v}`);
  }
  const txs = block.txs;
  const n = txs.length;
  if (opts.cost && opts.cost.length !== n) throw new RangeError(`cost has ${opts.cost.length} entries for ${n} txs`);
  const cost = opts.cost ? Float64Array.from(opts.cost) : Float64Array.from(txs, (t) => t.cost);
  // Duration of one execution: the tx's cost plus the engine's per-execution overheads.
  const xcost =
    xFixed === 0 && xRead === 0 && xWrite === 0
      ? cost
      : Float64Array.from(txs, (t, i) => cost[i] + xFixed + xRead * t.reads.length + xWrite * t.writes.length);
  const vcost = Float64Array.from(txs, (t, i) => vFixed + vRead * t.reads.length + vFrac * cost[i]);
  let work = 0;
  for (const c of cost) work += c;

  const { wTx, weOff, writeEntry, rOff, readTop, readLo } = memoryLayout(block);
  const entry = new Int32Array(wTx.length).fill(NOT_WRITTEN);
  // last_read_set: per read, observed writer tx (-1 storage) and its incarnation.
  const readTx = new Int32Array(rOff[n]);
  const readInc = new Int32Array(rOff[n]);
  let blocking = -1;
  let vTx = -1;
  let vInc = 0;
  /** MVMemory.read: sets vTx/vInc, or returns false with `blocking` set on an ESTIMATE. */
  // Entries ever written (value or ESTIMATE), as a two-level bitset so that a read finds the
  // highest written entry below it without walking over never-written ones.
  const bits0 = new Uint32Array((wTx.length >> 5) + 1);
  const bits1 = new Uint32Array((wTx.length >> 10) + 1);
  const markWritten = (e: number) => {
    bits0[e >> 5] |= 1 << (e & 31);
    bits1[e >> 10] |= 1 << ((e >> 5) & 31);
  };
  const highBit = (x: number) => 31 - Math.clz32(x);
  /** Highest written entry in [lo, p], or -1. */
  const prevWritten = (p: number, lo: number): number => {
    if (p < lo) return -1;
    let w = p >> 5;
    let m = bits0[w] & (((p & 31) === 31 ? 0 : 1 << ((p & 31) + 1)) - 1);
    if (m !== 0) {
      const e = (w << 5) + highBit(m);
      return e >= lo ? e : -1;
    }
    // Words below w in w's 1024-entry group, then whole groups below.
    let g = w >> 5;
    let gm = bits1[g] & ((1 << (w & 31)) - 1);
    const loG = lo >> 10;
    for (;;) {
      if (gm !== 0) {
        w = (g << 5) + highBit(gm);
        m = bits0[w];
        const e = (w << 5) + highBit(m);
        return e >= lo ? e : -1;
      }
      if (--g < loG) return -1;
      gm = bits1[g];
    }
  };
  const mvRead = (r: number): boolean => {
    const lo = readLo[r];
    const e = prevWritten(readTop[r], lo);
    if (e >= 0) {
      const s = entry[e];
      if (s === ESTIMATE) {
        blocking = wTx[e];
        return false;
      }
      vTx = wTx[e];
      vInc = s;
      return true;
    }
    vTx = -1;
    vInc = 0;
    return true;
  };

  // ---- Scheduler state.
  const status = new Uint8Array(n);
  const inc = new Int32Array(n);
  // READY and EXECUTED txs, so that a run of failed next_task calls is one jump.
  const readySet = new IndexSet(n);
  const executedSet = new IndexSet(n);
  for (let i = 0; i < n; i++) readySet.add(i);
  const setStatus = (i: number, st: number) => {
    const old = status[i];
    if (old === st) return;
    if (old === READY) readySet.delete(i);
    else if (old === EXECUTED) executedSet.delete(i);
    if (st === READY) readySet.add(i);
    else if (st === EXECUTED) executedSet.add(i);
    status[i] = st;
  };
  const deps: (number[] | null)[] = new Array(n).fill(null);
  let executionIdx = 0;
  let validationIdx = 0;
  let numActive = 0;

  const decreaseExecutionIdx = (t: number) => {
    if (t < executionIdx) executionIdx = t;
  };
  const decreaseValidationIdx = (t: number) => {
    if (t < validationIdx) validationIdx = t;
  };
  const setReady = (i: number) => {
    inc[i]++;
    setStatus(i, READY);
  };
  // Task returned by scheduler functions: kind and tx (the incarnation is inc[tx] at hand-out).
  let taskKind = T_NONE;
  let taskTx = -1;
  let taskInc = 0;
  const setTask = (kind: number, tx: number, incarnation: number): true => {
    taskKind = kind;
    taskTx = tx;
    taskInc = incarnation;
    return true;
  };
  const tryIncarnate = (i: number): boolean => {
    if (i < n && status[i] === READY) {
      setStatus(i, EXECUTING);
      return setTask(T_EXEC, i, inc[i]);
    }
    return false;
  };
  /**
   * next_task, with a run of consecutive failing calls of one kind folded into one step:
   * a validation fetch fails on every index that is not EXECUTED, an execution fetch on every
   * index that is not READY_TO_EXECUTE, and each failure only advances its index (the
   * num_active_tasks increment and decrement cancel). The indices end where the unfolded
   * calls would leave them.
   */
  const nextTask = (): boolean => {
    if (validationIdx < executionIdx) {
      if (validationIdx >= n) return false;
      const j = executedSet.next(validationIdx);
      if (j >= 0 && j < executionIdx) {
        validationIdx = j + 1;
        numActive++;
        return setTask(T_VAL, j, inc[j]);
      }
      validationIdx = Math.min(executionIdx, n);
      return false;
    }
    if (executionIdx >= n) return false;
    const j = readySet.next(executionIdx);
    if (j >= 0 && j <= validationIdx) {
      executionIdx = j + 1;
      numActive++;
      return tryIncarnate(j);
    }
    executionIdx = Math.min(validationIdx + 1, n);
    return false;
  };
  const addDependency = (i: number, b: number): boolean => {
    if (status[b] === EXECUTED) return false;
    setStatus(i, ABORTING);
    (deps[b] ??= []).push(i);
    numActive--;
    return true;
  };
  const finishExecution = (i: number, c: number, wroteNew: boolean): boolean => {
    setStatus(i, EXECUTED);
    const d = deps[i];
    deps[i] = null;
    if (d) {
      let min = n;
      for (const j of d) {
        setReady(j);
        if (j < min) min = j;
      }
      decreaseExecutionIdx(min);
    }
    if (validationIdx > i) {
      if (wroteNew) decreaseValidationIdx(i);
      else return setTask(T_VAL, i, c);
    }
    numActive--;
    return false;
  };
  const finishValidation = (i: number, aborted: boolean): boolean => {
    if (aborted) {
      setReady(i);
      decreaseValidationIdx(i + 1);
      if (executionIdx > i && tryIncarnate(i)) return true;
    }
    numActive--;
    return false;
  };
  const validateReadSet = (i: number): boolean => {
    for (let r = rOff[i]; r < rOff[i + 1]; r++) {
      if (!mvRead(r)) return false;
      if (vTx !== readTx[r] || vInc !== readInc[r]) return false;
    }
    return true;
  };

  // ---- Threads and virtual time.
  const busyKind = new Uint8Array(threads);
  const busyTx = new Int32Array(threads);
  const busyInc = new Int32Array(threads);
  const busyEnd = new Float64Array(threads);
  const busyStart = new Float64Array(threads);
  const busyBar = new Int32Array(threads).fill(-1);
  const events = new IntHeap(threads, (a, b) => busyEnd[a] < busyEnd[b] || (busyEnd[a] === busyEnd[b] && a < b));
  const idle = new Uint8Array(threads).fill(1);
  let idleCount = threads; // threads with idle[th] = 1: the wake-up scan below runs only when there is one
  let now = 0;
  let busy = 0;
  const stats: BlockStmStats = { executions: 0, validationAborts: 0, suspensions: 0, validations: 0, validationWork: 0 };
  const execWork = new Float64Array(n); // execution time per tx, all incarnations
  const finalStart = new Float64Array(n);
  const finalEnd = new Float64Array(n);
  const timeline: TimelineEntry[] | undefined = opts.timeline ? [] : undefined;
  let makespan = 0;

  const occupy = (th: number, kind: number, tx: number, c: number, duration: number, bar?: TimelineEntry | undefined) => {
    if (idle[th] === 1) idleCount--;
    idle[th] = 0;
    busyKind[th] = kind;
    busyTx[th] = tx;
    busyInc[th] = c;
    busyStart[th] = now;
    busyEnd[th] = now + duration;
    busy += duration;
    if (timeline && bar) {
      busyBar[th] = timeline.length;
      timeline.push(bar);
    }
    events.push(th);
  };

  /** Runs thread `th` from the current task (taskKind...) until it is busy or idle. */
  const run = (th: number, hasTask: boolean) => {
    for (;;) {
      // A failed next_task only means "try again" (each failure advances an index); the
      // thread idles once both indices are past the block.
      if (!hasTask) {
        while (!nextTask()) {
          if (executionIdx >= n && validationIdx >= n) {
            if (idle[th] === 0) idleCount++;
            idle[th] = 1;
            return;
          }
        }
      }
      const i = taskTx;
      const c = taskInc;
      if (taskKind === T_VAL) {
        stats.validations++;
        stats.validationWork += vcost[i];
        occupy(
          th,
          T_VAL,
          i,
          c,
          vcost[i],
          timeline && { tx: i, incarnation: c, thread: th, kind: "validate", start: now, end: now + vcost[i], outcome: "valid" },
        );
        return;
      }
      // Execution: read the whole read set now.
      stats.executions++;
      let blocked = false;
      for (let r = rOff[i]; r < rOff[i + 1]; r++) {
        if (!mvRead(r)) {
          blocked = true;
          break;
        }
        readTx[r] = vTx;
        readInc[r] = vInc;
      }
      if (!blocked) {
        execWork[i] += xcost[i];
        finalStart[i] = now;
        occupy(
          th,
          T_EXEC,
          i,
          c,
          xcost[i],
          timeline && { tx: i, incarnation: c, thread: th, kind: "execute", start: now, end: now + xcost[i], outcome: "committed" },
        );
        return;
      }
      if (addDependency(i, blocking)) {
        const suspendCost = suspendFraction * xcost[i] + suspendFixed;
        stats.suspensions++;
        execWork[i] += suspendCost;
        if (timeline)
          timeline.push({
            tx: i,
            incarnation: c,
            thread: th,
            kind: "execute",
            start: now,
            end: now + suspendCost,
            outcome: "suspended",
            blockedBy: blocking,
          });
        if (suspendCost > 0) {
          occupy(th, T_SUSPEND, i, c, suspendCost);
          return;
        }
        hasTask = false;
      } else {
        stats.executions--; // the dependency resolved meanwhile: retry the same incarnation
        hasTask = true;
        taskKind = T_EXEC;
        taskTx = i;
        taskInc = c;
      }
    }
  };

  const complete = (th: number): boolean => {
    const i = busyTx[th];
    const c = busyInc[th];
    const kind = busyKind[th];
    if (kind === T_EXEC) {
      let wroteNew = false;
      for (let k = weOff[i]; k < weOff[i + 1]; k++) {
        const e = writeEntry[k];
        if (entry[e] === NOT_WRITTEN) {
          wroteNew = true;
          markWritten(e);
        }
        entry[e] = c;
      }
      finalEnd[i] = now;
      return finishExecution(i, c, wroteNew);
    }
    if (kind === T_VAL) {
      const valid = validateReadSet(i);
      let aborted = false;
      if (!valid && inc[i] === c && status[i] === EXECUTED) {
        setStatus(i, ABORTING);
        aborted = true;
        stats.validationAborts++;
        for (let k = weOff[i]; k < weOff[i + 1]; k++) entry[writeEntry[k]] = ESTIMATE;
      }
      if (timeline) timeline[busyBar[th]].outcome = valid ? "valid" : aborted ? "abort" : "stale";
      return finishValidation(i, aborted);
    }
    return false; // suspension over
  };

  if (threadStart > 0) {
    // Staggered spawn: a thread is busy (not counted as work) until its start time.
    for (let th = 0; th < threads; th++) {
      occupy(th, T_START, -1, 0, (th + 1) * threadStart);
      busy -= (th + 1) * threadStart;
    }
  } else for (let th = 0; th < threads; th++) run(th, false);
  while (events.size > 0) {
    const th = events.pop();
    now = busyEnd[th];
    if (now > makespan) makespan = now;
    const has = complete(th);
    run(th, has);
    if (idleCount > 0 && (executionIdx < n || validationIdx < n)) for (let o = 0; o < threads; o++) if (idle[o] && o !== th) run(o, false);
  }
  if (executionIdx < n || validationIdx < n || numActive !== 0) {
    throw new Error(
      `Block-STM simulation stalled (execution_idx ${executionIdx}, validation_idx ${validationIdx}, active ${numActive}): internal error`,
    );
  }
  for (let i = 0; i < n; i++)
    if (status[i] !== EXECUTED) throw new Error(`Block-STM simulation ended with tx ${i} not executed: internal error`);

  let wasted = 0;
  for (let i = 0; i < n; i++) wasted += execWork[i] - xcost[i];
  if (n > 0 && (commitFixed > 0 || commitPerTx > 0)) {
    const tail = commitFixed + commitPerTx * n;
    makespan += tail;
    busy += tail;
  }
  if (timeline)
    for (const b of timeline) if (b.kind === "execute" && b.outcome === "committed" && b.incarnation !== inc[b.tx]) b.outcome = "aborted";
  const result: SimulationResult = {
    scheduler: "block-stm",
    threads,
    makespan,
    work,
    busy,
    aborts: stats.validationAborts,
    reExecutions: stats.executions - n,
    wastedWork: wasted,
    sound: true,
    start: finalStart,
    end: finalEnd,
    blockStm: stats,
  };
  if (timeline) result.timeline = timeline;
  if (opts.recordReads) result.observed = txs.map((_, i) => readTx.slice(rOff[i], rOff[i + 1]));
  return result;
}
