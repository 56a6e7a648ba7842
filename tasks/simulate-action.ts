import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { BlockAccess } from "../src/access/format.js";
import { AccessSetFormatError, loadAccessSetFile, writeFileAtomic } from "../src/access/io.js";
import { factsFromFile, inferFacts, loadEngineProfile, type BlockFacts } from "../src/schedule/cost-model.js";
import { renderMarkdown, renderText, SCHEDULERS, type SchedulerName, simulateFile, SimulationInputError } from "../src/schedule/index.js";

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
  includeCoinbase: boolean;
  engine?: string;
}

class UsageError extends Error {}

/** Exact facts for the shipped mainnet blocks (fixtures/pevm/block-facts.json.gz), inferred ones otherwise. */
function blockFactsLookup(): (b: BlockAccess) => BlockFacts {
  let shipped: unknown = null;
  try {
    shipped = JSON.parse(gunzipSync(readFileSync(new URL("../fixtures/pevm/block-facts.json.gz", import.meta.url))).toString("utf8"));
  } catch {
    shipped = null; // not in this checkout: every block's facts are inferred
  }
  return (b) => (shipped ? factsFromFile(shipped, b) : undefined) ?? inferFacts(b);
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
    if (!(SCHEDULERS as readonly string[]).includes(x)) throw new UsageError(`--scheduler: unknown scheduler "${x}"; choose from ${SCHEDULERS.join(",")}`);
  }
  if (out.length === 0) throw new UsageError(`--scheduler is empty; choose from ${SCHEDULERS.join(",")}`);
  return out as SchedulerName[];
}

export default async function simulateAction(args: Args): Promise<void> {
  try {
    const threads = parseThreads(args.threads);
    const schedulers = parseSchedulers(args.scheduler);
    if (!(args.validationCost >= 0)) throw new UsageError(`--validation-cost must be >= 0, got ${args.validationCost}`);
    if (!(args.suspendCost >= 0)) throw new UsageError(`--suspend-cost must be >= 0, got ${args.suspendCost}`);
    const engineName = args.engine ?? "pevm-graviton3-c12";
    let engine;
    if (engineName !== "none") {
      try {
        engine = { profile: loadEngineProfile(engineName), facts: blockFactsLookup() };
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(`--engine: ${e.message}, or "none"`);
        throw e;
      }
    }
    const file = await loadAccessSetFile(args.file);
    const report = simulateFile(file, {
      threads,
      schedulers,
      cost: args.cost,
      includeCoinbase: args.includeCoinbase,
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
  } catch (e) {
    if (e instanceof UsageError || e instanceof SimulationInputError || e instanceof AccessSetFormatError || (e instanceof Error && e.message.startsWith("cannot read access-set file"))) {
      console.error(`conflicts simulate: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
