/**
 * The schedulers, written once: name, label, colour, help and how each runs on a prepared
 * block. The simulation, the task's help and option check, the reports and the benches read
 * this table.
 */
import type { PreparedBlock } from "./block.js";
import { simulateBlockStm, type BlockStmOptions } from "./blockstm.js";
import { simulateDagMany, simulateLocks, simulateSerial, type DagAnalysis } from "./simple.js";
import type { SchedulerName, SimulationResult } from "./types.js";

export interface SchedulerSpec {
  name: SchedulerName;
  /** How reports and tables name it. */
  label: string;
  /** Its colour in charts. */
  colour: string;
  help: string;
  /** Runs it on `block` at `threads` threads (`dag` shares its analysis across thread counts). */
  run(
    block: PreparedBlock,
    threads: number,
    ctx: { analysis: DagAnalysis; blockStm?: Omit<BlockStmOptions, "threads" | "recordReads" | "timeline"> },
  ): SimulationResult;
}

export const SCHEDULER_TABLE: readonly SchedulerSpec[] = [
  {
    name: "serial",
    label: "serial",
    colour: "#94a3b8",
    help: "one thread, block order: the baseline every speedup divides",
    run: (block) => simulateSerial(block),
  },
  {
    name: "dag",
    label: "dag bound",
    colour: "#0f172a",
    help: "list scheduling of the dependency DAG (RAW/WW edges): the limit of any executor that knows the accesses",
    run: (block, threads, ctx) => simulateDagMany(block, [threads], { analysis: ctx.analysis })[0],
  },
  {
    name: "block-stm",
    label: "Block-STM",
    colour: "#4f46e5",
    help: "optimistic execution with multi-version memory, validation and re-execution (Aptos' Block-STM)",
    run: (block, threads, ctx) => simulateBlockStm(block, { ...ctx.blockStm, threads }),
  },
  {
    name: "locks",
    label: "declared locks",
    colour: "#0d9488",
    help: "lock-based scheduling by each transaction's declared access list (observed sets where none is declared)",
    run: (block, threads) => simulateLocks(block, { threads }),
  },
];

/** The table's entry of `name`. */
export function schedulerSpec(name: string): SchedulerSpec | undefined {
  return SCHEDULER_TABLE.find((s) => s.name === name);
}
