/**
 * Equivalence to serial order: every committed read must observe the write serial execution
 * would have shown it (the latest earlier write of that location, or the pre-block state).
 */
import type { PreparedBlock } from "./block.js";
import { serialVersions } from "./graph.js";
import type { SimulationResult } from "./types.js";

export interface ReadMismatch {
  tx: number;
  location: string;
  /** Writer tx serial order shows (-1: pre-block state). */
  expected: number;
  /** Writer tx the schedule showed. */
  observed: number;
}

/**
 * Compares `result.observed` (run the simulator with recordReads) with serial order.
 * dag and locks understand SNAPSHOT semantics (a SNAPSHOT-mode read does not depend on a
 * SNAPSHOT-mode write); Block-STM and serial do not.
 */
export function checkSerialEquivalence(block: PreparedBlock, result: SimulationResult): ReadMismatch[] {
  if (!result.observed) throw new Error(`${result.scheduler}: no observed versions; simulate with recordReads: true`);
  const snapshotAware = result.scheduler === "dag" || result.scheduler === "locks";
  const expected = serialVersions(block, snapshotAware);
  const out: ReadMismatch[] = [];
  block.txs.forEach((t, i) => {
    t.reads.forEach((l, k) => {
      const e = expected[i][k];
      const o = result.observed![i][k];
      if (e !== o) out.push({ tx: i, location: block.locations[l], expected: e, observed: o });
    });
  });
  return out;
}

/**
 * Checks a schedule's shape: each committed execution lasts its cost, starts no earlier than
 * time 0, and the makespan covers it. Returns problems as text.
 */
export function checkScheduleShape(block: PreparedBlock, result: SimulationResult): string[] {
  const problems: string[] = [];
  if (!result.start || !result.end) return problems;
  const eps = 1e-9 * Math.max(1, result.makespan);
  block.txs.forEach((t, i) => {
    const s = result.start![i];
    const e = result.end![i];
    if (s < -eps) problems.push(`tx ${i} starts at ${s}`);
    if (Math.abs(e - s - t.cost) > eps) problems.push(`tx ${i} runs ${e - s}, cost ${t.cost}`);
    if (e > result.makespan + eps) problems.push(`tx ${i} ends at ${e} after the makespan ${result.makespan}`);
  });
  return problems;
}
