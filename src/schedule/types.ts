/** Result types shared by every scheduler model. Times are in the block's cost unit (gas by default). */
import type { UnderDeclaration } from "./block.js";

export type SchedulerName = "serial" | "dag" | "block-stm" | "locks";

/** One bar of the Block-STM Gantt chart: an execution or validation of one incarnation. */
export interface TimelineEntry {
  tx: number;
  incarnation: number;
  thread: number;
  kind: "execute" | "validate";
  start: number;
  end: number;
  /**
   * execute: "committed" (the final incarnation), "aborted" (a later validation failed it),
   * "suspended" (read an ESTIMATE and waited for the blocking tx);
   * validate: "valid", "abort" (this validation aborted the incarnation), "stale" (read set
   * invalid but the incarnation had already been aborted or replaced).
   */
  outcome: "committed" | "aborted" | "suspended" | "valid" | "abort" | "stale";
  /** For "suspended": the tx whose ESTIMATE was read. */
  blockedBy?: number;
}

export interface BlockStmStats {
  /** Executions started, including suspended ones. */
  executions: number;
  /** Incarnations aborted by a failed validation. */
  validationAborts: number;
  /** Executions cut short by reading an ESTIMATE (the tx waits for the blocking tx). */
  suspensions: number;
  validations: number;
  /** Busy time spent validating. */
  validationWork: number;
}

export interface SimulationResult {
  scheduler: SchedulerName;
  threads: number;
  /** Virtual time until every transaction is final. */
  makespan: number;
  /** Sum of transaction costs: the serial makespan. */
  work: number;
  /** Busy time summed over threads (all executions and validations, useful or not). */
  busy: number;
  /** Block-STM: incarnations that ran to completion and then failed validation; 0 elsewhere. */
  aborts: number;
  /** Executions beyond one per transaction (after a validation abort or an ESTIMATE suspension). */
  reExecutions: number;
  /** Execution time of incarnations that did not commit. */
  wastedWork: number;
  /** False when the schedule is not equivalent to serial order (locks with under-declared txs). */
  sound: boolean;
  underDeclared?: UnderDeclaration[];
  /** dag only: the critical path (the limit with unbounded threads) and max(critical path, work / threads). */
  criticalPath?: number;
  lowerBound?: number;
  /** Start and end of each transaction's committed execution. */
  start?: Float64Array;
  end?: Float64Array;
  /**
   * With `recordReads`: per tx, per read (aligned with PreparedTx.reads), the index of the
   * tx whose write the committed execution observed, -1 for the pre-block state.
   */
  observed?: Int32Array[];
  blockStm?: BlockStmStats;
  /** Block-STM with `timeline`: every execution and validation, for a Gantt chart. */
  timeline?: TimelineEntry[];
}

export interface CommonOptions {
  threads: number;
  /** Emit the version each committed read observed (memory grows with the number of reads). */
  recordReads?: boolean;
}
