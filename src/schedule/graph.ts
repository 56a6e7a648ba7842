/**
 * Dependency graphs over a block's transactions and list scheduling of them.
 */
import { ACCESS_SNAPSHOT, DependencyTracker, EDGE_WAR } from "../model/dependency.js";
import type { PreparedBlock } from "./block.js";

/** Predecessor lists in compressed form: preds of tx i are pred[off[i] .. off[i+1]). */
export interface Dag {
  n: number;
  off: Int32Array;
  pred: Int32Array;
}

/**
 * The version every read sees in serial (block) order: the index of the latest earlier
 * transaction that wrote the location, or -1 for the pre-block state. Aligned with
 * `tx.reads`. With `snapshotAware`, a SNAPSHOT-mode read skips SNAPSHOT-mode writes: the
 * snapshot is a function of the pre-block state, so whoever takes it writes the same value.
 */
export function serialVersions(block: PreparedBlock, snapshotAware: boolean): Int32Array[] {
  const nLoc = block.locations.length;
  const lastAny = new Int32Array(nLoc).fill(-1);
  const lastRegular = new Int32Array(nLoc).fill(-1);
  const out: Int32Array[] = [];
  for (let i = 0; i < block.txs.length; i++) {
    const t = block.txs[i];
    const v = new Int32Array(t.reads.length);
    for (let k = 0; k < t.reads.length; k++) {
      const l = t.reads[k];
      v[k] = snapshotAware && t.snapReads[k] ? lastRegular[l] : lastAny[l];
    }
    out.push(v);
    for (let k = 0; k < t.writes.length; k++) {
      const l = t.writes[k];
      lastAny[l] = i;
      if (!(snapshotAware && t.snapWrites[k])) lastRegular[l] = i;
    }
  }
  return out;
}

/**
 * The dependency DAG: an edge j -> i for every RAW or WW edge of the one dependency
 * definition (src/model/dependency.ts), the same edges the conflict analysis finds; WAR edges
 * are left out (with multi-version memory a write never waits for an earlier read). Without
 * `snapshotAware`, SNAPSHOT-mode accesses are ordinary ones.
 */
export function rawDag(block: PreparedBlock, snapshotAware = true): Dag {
  const n = block.txs.length;
  const off = new Int32Array(n + 1);
  const pred: number[] = [];
  const mark = new Int32Array(n).fill(-1);
  const tracker = new DependencyTracker();
  tracker.beginBlock();
  let i = 0;
  const edge = (j: number, kind: number) => {
    if (kind !== EDGE_WAR && mark[j] !== i) {
      mark[j] = i;
      pred.push(j);
    }
  };
  for (; i < n; i++) {
    off[i] = pred.length;
    const t = block.txs[i];
    for (let k = 0; k < t.access.length; k++)
      tracker.access(t.access[k], i, snapshotAware ? t.modes[k] : t.modes[k] & ~ACCESS_SNAPSHOT, edge);
  }
  off[n] = pred.length;
  return { n, off, pred: Int32Array.from(pred) };
}

/** Longest path ending at each tx (inclusive of its cost), and the critical path length. */
export function criticalPath(dag: Dag, cost: Float64Array): { finish: Float64Array; length: number } {
  const finish = new Float64Array(dag.n);
  let length = 0;
  for (let i = 0; i < dag.n; i++) {
    let s = 0;
    for (let p = dag.off[i]; p < dag.off[i + 1]; p++) s = Math.max(s, finish[dag.pred[p]]);
    finish[i] = s + cost[i];
    length = Math.max(length, finish[i]);
  }
  return { finish, length };
}

/** Longest path starting at each tx (inclusive), the "bottom level" used as list priority. */
export function bottomLevels(dag: Dag, cost: Float64Array): Float64Array {
  const bl = new Float64Array(dag.n);
  // Propagate: bl[j] = cost[j] + max over successors bl[s]; walk in reverse topological order.
  const best = new Float64Array(dag.n);
  for (let i = dag.n - 1; i >= 0; i--) {
    const b = cost[i] + best[i];
    bl[i] = b;
    for (let p = dag.off[i]; p < dag.off[i + 1]; p++) {
      const j = dag.pred[p];
      if (b > best[j]) best[j] = b;
    }
  }
  return bl;
}

/** A binary min-heap of integers ordered by a key function given as two typed arrays. */
export class IntHeap {
  private a: Int32Array;
  size = 0;
  constructor(
    capacity: number,
    private readonly less: (x: number, y: number) => boolean,
  ) {
    this.a = new Int32Array(Math.max(4, capacity));
  }
  push(x: number): void {
    if (this.size === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    let i = this.size++;
    const a = this.a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }
  peek(): number {
    return this.a[0];
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const x = a[--this.size];
    let i = 0;
    const n = this.size;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(a[c + 1], a[c])) c++;
      if (!this.less(a[c], x)) break;
      a[i] = a[c];
      i = c;
    }
    if (n > 0) a[i] = x;
    return top;
  }
}

export interface ListSchedule {
  start: Float64Array;
  end: Float64Array;
  thread: Int32Array;
  makespan: number;
}

/** A DAG's successor lists and in-degrees: built once per DAG, shared by every list schedule of it. */
interface Successors {
  sOff: Int32Array;
  succ: Int32Array;
  indeg: Int32Array;
}
const successorsOf = new WeakMap<Dag, Successors>();
function successors(dag: Dag): Successors {
  const cached = successorsOf.get(dag);
  if (cached) return cached;
  const n = dag.n;
  const indeg = new Int32Array(n);
  const sOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    indeg[i] = dag.off[i + 1] - dag.off[i];
    for (let p = dag.off[i]; p < dag.off[i + 1]; p++) sOff[dag.pred[p] + 1]++;
  }
  for (let i = 0; i < n; i++) sOff[i + 1] += sOff[i];
  const succ = new Int32Array(dag.pred.length);
  const fill = sOff.slice(0, n);
  for (let i = 0; i < n; i++) for (let p = dag.off[i]; p < dag.off[i + 1]; p++) succ[fill[dag.pred[p]]++] = i;
  const out = { sOff, succ, indeg };
  successorsOf.set(dag, out);
  return out;
}

/**
 * Greedy list scheduling on `threads` identical threads: whenever a thread is free, it takes
 * the ready tx (all predecessors finished) that `before` ranks first. Finishes at the same
 * instant are all processed before any start.
 */
export function listSchedule(dag: Dag, cost: Float64Array, threads: number, before: (a: number, b: number) => boolean): ListSchedule {
  const n = dag.n;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const thread = new Int32Array(n);
  const { sOff, succ, indeg: indeg0 } = successors(dag);
  const indeg = indeg0.slice();

  const ready = new IntHeap(n, before);
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i);
  const running = new IntHeap(threads, (a, b) => end[a] < end[b] || (end[a] === end[b] && a < b));
  const freeThreads: number[] = [];
  for (let t = threads - 1; t >= 0; t--) freeThreads.push(t);
  let now = 0;
  let done = 0;
  let makespan = 0;
  while (done < n) {
    while (freeThreads.length > 0 && ready.size > 0) {
      const i = ready.pop();
      start[i] = now;
      end[i] = now + cost[i];
      thread[i] = freeThreads.pop()!;
      running.push(i);
    }
    if (running.size === 0) throw new Error("list scheduling: no runnable transaction (the dependency graph has a cycle)");
    now = end[running.peek()];
    while (running.size > 0 && end[running.peek()] === now) {
      const i = running.pop();
      done++;
      makespan = Math.max(makespan, now);
      freeThreads.push(thread[i]);
      for (let p = sOff[i]; p < sOff[i + 1]; p++) {
        const s = succ[p];
        if (--indeg[s] === 0) ready.push(s);
      }
    }
  }
  return { start, end, thread, makespan };
}
