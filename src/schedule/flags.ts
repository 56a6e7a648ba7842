/**
 * The simulation options of a task's flags (`--threads`, `--scheduler`, `--validation-cost`,
 * `--suspend-cost`, `--engine`), checked; a bad value is a UsageError naming the flag.
 */
import { UsageError } from "../errors.js";
import { blockFactsLookup, loadEngineProfile } from "./cost-model.js";
import { SCHEDULER_TABLE, schedulerSpec } from "./schedulers.js";
import type { SimulateOptions } from "./simulate.js";
import type { SchedulerName } from "./types.js";

export interface SimulationFlags {
  threads: string;
  scheduler: string;
  validationCost: number;
  suspendCost: number;
  /** A calibrated engine profile name, or "none" (default pevm-graviton3-c12). */
  engine?: string;
}

/** "1,2,4" -> [1, 2, 4]; integers in 1..4096. */
export function parseThreads(s: string): number[] {
  const parts = s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  const out = parts.map((x) => Number(x));
  if (out.length === 0 || out.some((t) => !Number.isInteger(t) || t < 1 || t > 4096)) {
    throw new UsageError(`--threads "${s}": expected comma-separated integers in 1..4096, e.g. --threads 1,2,4,8`);
  }
  return out;
}

/** "dag,block-stm" -> scheduler names of SCHEDULER_TABLE. */
export function parseSchedulers(s: string): SchedulerName[] {
  const known = SCHEDULER_TABLE.map((x) => x.name).join(",");
  const out = s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  for (const x of out) if (!schedulerSpec(x)) throw new UsageError(`--scheduler: unknown scheduler "${x}"; choose from ${known}`);
  if (out.length === 0) throw new UsageError(`--scheduler is empty; choose from ${known}`);
  return out as SchedulerName[];
}

/** The calibrated engine named by --engine (default pevm-graviton3-c12), or undefined for "none". */
export function parseEngine(name = "pevm-graviton3-c12"): SimulateOptions["engine"] {
  if (name === "none") return undefined;
  try {
    return { profile: loadEngineProfile(name), facts: blockFactsLookup() };
  } catch (e) {
    throw e instanceof UsageError ? new UsageError(`--engine: ${e.message}, or "none"`) : e;
  }
}

/** The scheduling part of SimulateOptions from a task's flags (dependency and cost apart). */
export function simulationFromFlags(flags: SimulationFlags): Pick<SimulateOptions, "threads" | "schedulers" | "blockStm" | "engine"> {
  const threads = parseThreads(flags.threads);
  const schedulers = parseSchedulers(flags.scheduler);
  if (!(flags.validationCost >= 0)) throw new UsageError(`--validation-cost must be >= 0, got ${flags.validationCost}`);
  if (!(flags.suspendCost >= 0)) throw new UsageError(`--suspend-cost must be >= 0, got ${flags.suspendCost}`);
  const engine = parseEngine(flags.engine);
  return {
    threads,
    schedulers,
    blockStm: { validationFraction: flags.validationCost, suspendFraction: flags.suspendCost },
    ...(engine ? { engine } : {}),
  };
}
