/**
 * serial, dag and locks: the schedulers that are list schedules of a dependency graph.
 */
import { UsageError } from "../errors.js";
import type { PreparedBlock } from "./block.js";
import { LOCK_READ, LOCK_SNAPSHOT, LOCK_WRITE } from "./block.js";
import { bottomLevels, criticalPath, type Dag, listSchedule, type ListSchedule, rawDag } from "./graph.js";
import type { CommonOptions, SimulationResult } from "./types.js";

export const costs = (block: PreparedBlock): Float64Array => Float64Array.from(block.txs, (t) => t.cost);
const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);

function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`threads must be a positive integer, got ${threads}`);
}

/** serial: one thread runs the block in order; makespan = total work. */
export function simulateSerial(block: PreparedBlock, opts: { recordReads?: boolean } = {}): SimulationResult {
  const cost = costs(block);
  const start = new Float64Array(cost.length);
  const end = new Float64Array(cost.length);
  let t = 0;
  for (let i = 0; i < cost.length; i++) {
    start[i] = t;
    t += cost[i];
    end[i] = t;
  }
  const r: SimulationResult = {
    scheduler: "serial",
    threads: 1,
    makespan: t,
    work: t,
    busy: t,
    aborts: 0,
    reExecutions: 0,
    wastedWork: 0,
    sound: true,
    start,
    end,
  };
  if (opts.recordReads) r.observed = observeMultiVersion(block, start, end, false);
  return r;
}

/**
 * Versions observed under multi-version memory (dag): a read of tx i at start[i] sees the
 * highest-index writer j < i that has finished by then. With `snapshotAware`, SNAPSHOT-mode
 * reads skip SNAPSHOT-mode writes (those write the value every snapshot taker computes).
 */
export function observeMultiVersion(block: PreparedBlock, start: Float64Array, end: Float64Array, snapshotAware: boolean): Int32Array[] {
  const writers = writerLists(block);
  return block.txs.map((t, i) => {
    const v = new Int32Array(t.reads.length).fill(-1);
    t.reads.forEach((l, k) => {
      const snapRead = snapshotAware && t.snapReads[k] === 1;
      for (const [j, snap] of writers[l] ?? []) {
        if (j >= i) break;
        if (snapRead && snap) continue;
        if (end[j] <= start[i]) v[k] = j;
      }
    });
    return v;
  });
}

/**
 * Versions observed under single-version memory (locks): a read of tx i sees the write that
 * finished last before start[i] (any tx, earlier or later in the block).
 */
export function observeSingleVersion(block: PreparedBlock, start: Float64Array, end: Float64Array, snapshotAware: boolean): Int32Array[] {
  const writers = writerLists(block);
  return block.txs.map((t, i) => {
    const v = new Int32Array(t.reads.length).fill(-1);
    t.reads.forEach((l, k) => {
      const snapRead = snapshotAware && t.snapReads[k] === 1;
      let best = -1;
      for (const [j, snap] of writers[l] ?? []) {
        if (j === i || (snapRead && snap)) continue;
        if (end[j] <= start[i] && (best < 0 || end[j] >= end[best])) best = j;
      }
      v[k] = best;
    });
    return v;
  });
}

function writerLists(block: PreparedBlock): [number, boolean][][] {
  const writers: [number, boolean][][] = [];
  block.txs.forEach((t, j) => t.writes.forEach((l, k) => (writers[l] ??= []).push([j, t.snapWrites[k] === 1])));
  return writers;
}

/** What the dag model needs, computed once per block and shared across thread counts. */
export interface DagAnalysis {
  dag: Dag;
  cost: Float64Array;
  work: number;
  criticalPath: number;
  /** Transactions on the longest dependency chain (the critical path at unit cost). */
  longestChain: number;
  /** Transactions with at least one dependency on an earlier one. */
  dependentTxs: number;
  priority: Float64Array;
}

export function analyzeDag(block: PreparedBlock): DagAnalysis {
  const cost = costs(block);
  const dag = rawDag(block, true);
  const longestChain = criticalPath(dag, new Float64Array(cost.length).fill(1)).length;
  let dependentTxs = 0;
  for (let i = 0; i < dag.n; i++) if (dag.off[i + 1] > dag.off[i]) dependentTxs++;
  return {
    dag,
    cost,
    work: sum(cost),
    criticalPath: criticalPath(dag, cost).length,
    longestChain,
    dependentTxs,
    priority: bottomLevels(dag, cost),
  };
}

/**
 * dag at several thread counts. For N threads: the best list schedule (highest bottom level
 * first, ties by block order) using m <= N threads. Taking the best over m keeps the model
 * monotone (list scheduling alone has Graham's anomalies) and is achievable: idle threads are
 * allowed. The search stops once a schedule reaches the critical path.
 */
export function simulateDagMany(
  block: PreparedBlock,
  threadCounts: readonly number[],
  opts: { recordReads?: boolean; analysis?: DagAnalysis } = {},
): SimulationResult[] {
  threadCounts.forEach(checkThreads);
  const a = opts.analysis ?? analyzeDag(block);
  const n = a.cost.length;
  const before = (x: number, y: number) => a.priority[x] > a.priority[y] || (a.priority[x] === a.priority[y] && x < y);
  // list(m) can never beat max(critical path, work / m), which grows as m shrinks: walking m
  // down from N stops at the first m whose bound is no better than the best so far.
  const cache = new Map<number, ListSchedule>();
  const list = (m: number) => {
    let s = cache.get(m);
    if (!s) {
      s = listSchedule(a.dag, a.cost, m, before);
      cache.set(m, s);
    }
    return s;
  };
  const bestAt = new Map<number, ListSchedule>();
  for (const threads of threadCounts) {
    const top = Math.min(threads, Math.max(1, n));
    let best = list(top);
    for (let m = top - 1; m >= 1; m--) {
      if (Math.max(a.criticalPath, a.work / m) >= best.makespan) break;
      const s = list(m);
      if (s.makespan < best.makespan) best = s;
    }
    bestAt.set(threads, best);
  }
  return threadCounts.map((threads) => {
    const s = bestAt.get(threads)!;
    const r: SimulationResult = {
      scheduler: "dag",
      threads,
      makespan: s.makespan,
      work: a.work,
      busy: a.work,
      aborts: 0,
      reExecutions: 0,
      wastedWork: 0,
      sound: true,
      criticalPath: a.criticalPath,
      lowerBound: Math.max(a.criticalPath, a.work / threads),
      start: s.start,
      end: s.end,
    };
    if (opts.recordReads) r.observed = observeMultiVersion(block, s.start, s.end, true);
    return r;
  });
}

/** dag: list scheduling of the read-after-write DAG on `threads` threads (see simulateDagMany). */
export function simulateDag(block: PreparedBlock, opts: CommonOptions): SimulationResult {
  return simulateDagMany(block, [opts.threads], opts)[0];
}

/**
 * The lock-conflict DAG of the locks scheduler: tx i waits for every earlier tx holding a
 * conflicting lock (read/write, write/write; snapshot/snapshot commutes; a whole-account
 * lock conflicts with every slot lock of that account).
 */
export function lockDag(block: PreparedBlock): Dag {
  const n = block.txs.length;
  const nLoc = block.locations.length;
  const nRes = nLoc + block.accountLocks.length;
  const lastW = new Int32Array(nRes).fill(-1);
  const readers: (number[] | undefined)[] = new Array(nRes);
  const snaps: (number[] | undefined)[] = new Array(nRes);
  // Per whole-account resource: slot-level holders since its last whole-account write.
  const holdW: (number[] | undefined)[] = new Array(nRes);
  const holdR: (number[] | undefined)[] = new Array(nRes);
  const off = new Int32Array(n + 1);
  const pred: number[] = [];
  const mark = new Int32Array(n).fill(-1);
  let i = 0;
  const dep = (j: number) => {
    if (j >= 0 && j !== i && mark[j] !== i) {
      mark[j] = i;
      pred.push(j);
    }
  };
  const deps = (js: number[] | undefined) => {
    if (js) for (const j of js) dep(j);
  };
  for (i = 0; i < n; i++) {
    off[i] = pred.length;
    const t = block.txs[i];
    for (let k = 0; k < t.lockIds.length; k++) {
      const id = t.lockIds[k];
      const m = t.lockModes[k];
      if (id < nLoc) {
        dep(lastW[id]);
        if (m !== LOCK_READ) deps(readers[id]);
        if (m !== LOCK_SNAPSHOT) deps(snaps[id]);
        if (m === LOCK_READ) (readers[id] ??= []).push(i);
        else if (m === LOCK_SNAPSHOT) (snaps[id] ??= []).push(i);
        else if (m === LOCK_WRITE) {
          lastW[id] = i;
          readers[id] = undefined;
          snaps[id] = undefined;
        }
        const a = block.lockAccountOf[id];
        if (a >= 0) {
          dep(lastW[a]);
          if (m !== LOCK_READ) {
            deps(readers[a]);
            (holdW[a] ??= []).push(i);
          } else (holdR[a] ??= []).push(i);
        }
      } else {
        dep(lastW[id]);
        deps(holdW[id]);
        if (m === LOCK_WRITE) {
          deps(readers[id]);
          deps(holdR[id]);
          lastW[id] = i;
          readers[id] = undefined;
          holdW[id] = undefined;
          holdR[id] = undefined;
        } else (readers[id] ??= []).push(i);
      }
    }
  }
  off[n] = pred.length;
  return { n, off, pred: Int32Array.from(pred) };
}

/**
 * locks: Sealevel-style scheduling on declared access lists. A tx starts when a thread is
 * free and no earlier unfinished tx holds a conflicting lock; free threads take the lowest
 * index first. Unsound (no makespan claimed) when a tx's observed accesses exceed its
 * declaration; the schedule is still computed so that the damage can be inspected.
 */
export function simulateLocks(block: PreparedBlock, opts: CommonOptions): SimulationResult {
  checkThreads(opts.threads);
  const cost = costs(block);
  const dag = lockDag(block);
  const s = listSchedule(dag, cost, opts.threads, (x, y) => x < y);
  const work = sum(cost);
  const sound = block.underDeclared.length === 0;
  const r: SimulationResult = {
    scheduler: "locks",
    threads: opts.threads,
    makespan: s.makespan,
    work,
    busy: work,
    aborts: 0,
    reExecutions: 0,
    wastedWork: 0,
    sound,
    start: s.start,
    end: s.end,
  };
  if (!sound) r.underDeclared = block.underDeclared;
  if (opts.recordReads) r.observed = observeSingleVersion(block, s.start, s.end, true);
  return r;
}
