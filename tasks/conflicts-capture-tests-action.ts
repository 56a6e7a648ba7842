import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { asUserErrors } from "./user-error.js";
import { InputError, NodeError, UsageError } from "../src/errors.js";
import { saveAccessSetFile } from "../src/access/index.js";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { testCaptureFile } from "../src/capture/mined.js";
import { endTestCapture, startTestCapture } from "../plugin/test-capture.js";

interface Args {
  out: string;
  grep?: string;
  noCompile: boolean;
  noDeclared: boolean;
  testFiles: string[];
}

async function body(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  if (!hre.tasks.rootTasks.has("test") || !hre.tasks.getTask("test").subtasks.has("mocha"))
    throw new UsageError(
      "conflicts capture tests runs the project's mocha tests: add @nomicfoundation/hardhat-mocha (or hardhat-toolbox-mocha-ethers) to the config's plugins",
    );
  if (hre.config.test.mocha.parallel === true)
    throw new UsageError(
      "conflicts capture tests reads the blocks the tests mine in this process: set test.mocha.parallel to false in the config (or drop it)",
    );
  if (!args.noCompile) await hre.tasks.getTask("build").run({});
  const buildInfo = path.join(hre.config.paths.artifacts, "build-info");
  const contracts = await loadBuildInfoContracts(buildInfo);
  if (contracts.length === 0)
    throw new InputError(
      `no compiled contracts in ${buildInfo}: the project has not been built; run \`npx hardhat build\` (or drop --no-compile)`,
    );
  const withoutLayout = contracts.filter((c) => c.layout === null).length;
  if (withoutLayout === contracts.length)
    console.warn(
      'warning: the build has no storage layouts, so slots stay unnamed and no advice can be given: add outputSelection: { "*": { "*": ["storageLayout"] } } to solidity settings and rebuild',
    );
  const book = new ContractBook(contracts);
  const session = startTestCapture({ book, declared: !args.noDeclared });
  const started = performance.now();
  let summary: { failed: number; passed: number } | undefined;
  try {
    const result = (await hre.tasks.getTask(["test", "mocha"]).run({
      testFiles: args.testFiles,
      noCompile: true,
      ...(args.grep !== undefined ? { grep: args.grep } : {}),
    })) as
      { value?: { summary?: { failed: number; passed: number } }; error?: { summary?: { failed: number; passed: number } } } | undefined;
    summary = result?.value?.summary ?? result?.error?.summary;
  } finally {
    endTestCapture();
  }
  if (session.failure) throw new NodeError("reading a block the tests mined failed", { cause: session.failure });
  const cap = session.capture;
  const skipped = [...session.skippedNetworks].map(([n, t]) => `${n} (type ${t})`).join(", ");
  if (cap.blocks.length === 0)
    throw new UsageError(
      skipped
        ? `the tests used only networks that are not in-process: ${skipped}. Capture records edr-simulated networks only: run the tests on one (Hardhat's default network is; drop --network)`
        : "the tests mined no transaction on an in-process network: nothing to capture (do the tests send transactions?)",
    );
  if (skipped) console.warn(`warning: not captured, not in-process: ${skipped} (capture records edr-simulated networks only)`);
  const file = testCaptureFile(cap, `mocha tests of ${path.basename(hre.config.paths.root)}`);
  await saveAccessSetFile(args.out, file);
  const txs = file.blocks.reduce((n, b) => n + b.txs.length, 0);
  const secs = (performance.now() - started) / 1000;
  const how = `${cap.methods.reexec} block(s) re-executed, ${cap.methods.trace} traced`;
  console.log(`captured ${txs} transaction(s) in ${file.blocks.length} block(s) in ${secs.toFixed(1)} s (${how})`);
  if (cap.methods.trace > 0) console.log(`  traced because: ${[...cap.methods.fallbackReasons].slice(0, 3).join("; ")}`);
  if (summary && summary.failed > 0) console.warn(`warning: ${summary.failed} test(s) failed; their transactions are captured as mined`);
  console.log(`wrote ${args.out}; next: npx hardhat conflicts analyze ${args.out}`);
  if (summary && summary.failed > 0) process.exitCode = 1;
}

export default async function conflictsCaptureTests(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("conflicts capture tests", () => body(args, hre));
}
