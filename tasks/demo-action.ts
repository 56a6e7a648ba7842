import { UsageError } from "../src/errors.js";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import {
  comparisonRows,
  DEMO_CAVEATS,
  gasRows,
  predictionCaveats,
  runDesign,
  type DesignOutcome,
  writeDemoOutputs,
} from "../src/pipeline/compare.js";
import { textTable } from "../src/util/tables.js";
import { demoCase, DEMO_WORKLOADS } from "../src/workload/designs.js";
import { asUserErrors } from "./user-error.js";
import { freshWorkloadEnv } from "./workload-env.js";

interface DemoArgs {
  txs: number;
  seed: number;
  workload: string;
  out: string;
}

export default async function demo(args: DemoArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  return asUserErrors("demo", () => run(args, hre));
}

async function run(args: DemoArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  if (!DEMO_WORKLOADS.includes(args.workload))
    throw new UsageError(`--workload must be one of ${DEMO_WORKLOADS.join(", ")}, got "${args.workload}"`);
  if (!Number.isInteger(args.txs) || args.txs < 1 || args.txs > 20_000)
    throw new UsageError(`--txs must be between 1 and 20000, got ${args.txs}`);
  const quiet = process.env.CI === "true";
  const start = performance.now();
  const say = (s: string) => {
    if (!quiet) process.stderr.write(`[${((performance.now() - start) / 1000).toFixed(1).padStart(5)}s] ${s}\n`);
  };

  say("compiling");
  await hre.tasks.getTask("build").run({ quiet: true });
  const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));
  const { workload, designs } = demoCase(args.workload, args.txs, args.seed);
  say(
    `workload: ${workload.ops.length} ${workload.name} transactions from ${new Set(workload.ops.map((o) => o.user)).size} distinct users (seed ${workload.seed})`,
  );

  const outcomes: DesignOutcome[] = [];
  for (const design of designs) {
    const env = await freshWorkloadEnv(hre);
    outcomes.push(await runDesign(env, design, workload, { book: new ContractBook(contracts), progress: say }));
  }

  const written = await writeDemoOutputs(path.resolve(args.out), workload, outcomes);
  const summary = comparisonRows(outcomes);
  const gas = gasRows(outcomes);

  console.log(`\n${workload.name} workload, ${workload.ops.length} transactions, seed ${workload.seed}\n`);
  console.log(textTable(summary));
  console.log("");
  console.log(textTable(gas));
  console.log(`\n${[...predictionCaveats(outcomes), ...DEMO_CAVEATS].join("\n")}`);
  console.log(`\nReports (open the .html files in a browser):\n${written.map((w) => `  ${path.relative(process.cwd(), w)}`).join("\n")}`);
  console.log(`\nDone in ${((performance.now() - start) / 1000).toFixed(1)} s.`);
}
