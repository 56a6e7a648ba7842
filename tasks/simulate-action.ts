import { loadAccessSetFile, writeFileAtomic } from "../src/access/io.js";
import { UsageError } from "../src/errors.js";
import { dependencyFromFlags } from "../src/model/dependency.js";
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

async function simulateBody(args: Args): Promise<void> {
  const threads = parseThreads(args.threads);
  const schedulers = parseSchedulers(args.scheduler);
  if (!(args.validationCost >= 0)) throw new UsageError(`--validation-cost must be >= 0, got ${args.validationCost}`);
  if (!(args.suspendCost >= 0)) throw new UsageError(`--suspend-cost must be >= 0, got ${args.suspendCost}`);
  const file = await loadAccessSetFile(args.file);
  const report = simulateFile(file, {
    threads,
    schedulers,
    cost: args.cost,
    dependency: dependencyFromFlags(args),
    blockStm: { validationFraction: args.validationCost, suspendFraction: args.suspendCost },
  });
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
