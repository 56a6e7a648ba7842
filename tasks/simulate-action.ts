import { loadAccessSetFile, writeFileAtomic } from "../src/access/io.js";
import { dependencyFromFlags } from "../src/model/dependency.js";
import { createProgress } from "../src/report/progress.js";
import { simulationFromFlags, type SimulationFlags } from "../src/schedule/flags.js";
import { renderMarkdown, renderText, simulateFile } from "../src/schedule/index.js";
import { asUserErrors } from "./user-error.js";

interface Args extends SimulationFlags {
  file: string;
  cost: string;
  json: string;
  md: string;
  blocks: number;
  includeFeeRecipient: boolean;
  credits: string;
}

async function simulateBody(args: Args): Promise<void> {
  const sim = simulationFromFlags(args);
  const dependency = dependencyFromFlags(args);
  const file = await loadAccessSetFile(args.file);
  // A corpus of many blocks: a progress bar on stderr, per simulated transaction (silent under CI=true).
  const total = file.blocks.reduce((n, b) => n + b.txs.length, 0);
  const bar = file.blocks.length > 1 ? createProgress({ label: "simulate", total, unit: "txs" }) : undefined;
  let report;
  try {
    report = simulateFile(file, { ...sim, cost: args.cost, dependency }, (r) => bar?.tick(r.txs));
    bar?.finish();
  } catch (e) {
    bar?.stop();
    throw e;
  }
  if (!sim.engine) console.log("--engine none: idealized model only; every speedup below is an upper bound, not a prediction");
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
