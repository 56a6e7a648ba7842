import { loadAccessSetFile, writeFileAtomic } from "../src/access/io.js";
import { UsageError } from "../src/errors.js";
import { dependencyFromFlags } from "../src/model/dependency.js";
import { blockFactsLookup, loadEngineProfile } from "../src/schedule/cost-model.js";
import { asUserErrors } from "./user-error.js";
import { renderMarkdown, renderText, SCHEDULER_TABLE, schedulerSpec, type SchedulerName, simulateFile } from "../src/schedule/index.js";

interface Args {
  file: string;
  threads: string;
  scheduler: string;
  cost: string;
  validationCost: number;
  suspendCost: number;
  json: string;
  md: string;
  blocks: number;
  includeFeeRecipient: boolean;
  credits: string;
  engine?: string;
}

function parseThreads(s: string): number[] {
  const parts = s.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const out = parts.map((x) => Number(x));
  if (out.length === 0 || out.some((t) => !Number.isInteger(t) || t < 1 || t > 4096)) {
    throw new UsageError(`--threads "${s}": expected comma-separated integers in 1..4096, e.g. --threads 1,2,4,8`);
  }
  return out;
}

function parseSchedulers(s: string): SchedulerName[] {
  const out = s.split(",").map((x) => x.trim()).filter((x) => x !== "");
  for (const x of out) {
    if (!schedulerSpec(x)) throw new UsageError(`--scheduler: unknown scheduler "${x}"; choose from ${SCHEDULER_TABLE.map((s) => s.name).join(",")}`);
  }
  if (out.length === 0) throw new UsageError(`--scheduler is empty; choose from ${SCHEDULER_TABLE.map((s) => s.name).join(",")}`);
  return out as SchedulerName[];
}

/** The calibrated engine named by --engine (default pevm-graviton3-c12), or undefined for "none". */
function parseEngine(name: string) {
  if (name === "none") return undefined;
  try {
    return { profile: loadEngineProfile(name), facts: blockFactsLookup() };
  } catch (e) {
    throw e instanceof UsageError ? new UsageError(`--engine: ${e.message}, or "none"`) : e;
  }
}

async function simulateBody(args: Args): Promise<void> {
  const threads = parseThreads(args.threads);
  const schedulers = parseSchedulers(args.scheduler);
  if (!(args.validationCost >= 0)) throw new UsageError(`--validation-cost must be >= 0, got ${args.validationCost}`);
  if (!(args.suspendCost >= 0)) throw new UsageError(`--suspend-cost must be >= 0, got ${args.suspendCost}`);
  const engine = parseEngine(args.engine ?? "pevm-graviton3-c12");
  const file = await loadAccessSetFile(args.file);
  const report = simulateFile(file, {
    threads,
    schedulers,
    cost: args.cost,
    dependency: dependencyFromFlags(args),
    blockStm: { validationFraction: args.validationCost, suspendFraction: args.suspendCost },
    ...(engine ? { engine } : {}),
  });
  if (!engine) console.log("--engine none: idealized model only; every speedup below is an upper bound, not a prediction");
  console.log(renderText(report, args.blocks));
  if (args.json) {
    await writeFileAtomic(args.json, JSON.stringify(report, null, 2) + "\n");
    console.log(`\nwrote ${args.json}`);
  }
  if (args.md) {
    await writeFileAtomic(args.md, renderMarkdown(report));
    console.log(`wrote ${args.md}`);
  }
}

export default async function simulateAction(args: Args): Promise<void> {
  await asUserErrors("conflicts simulate", () => simulateBody(args));
}
