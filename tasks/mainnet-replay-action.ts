import { asUserErrors } from "./user-error.js";
import { UsageError } from "../src/errors.js";
import { createProgress } from "../src/report/progress.js";
import { isAbsolute, join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { saveAccessSetFile } from "../src/access/io.js";
import { ACCESS_SET_FILE_NAME, listCorpusBlocks, replayCorpusBlock, toAccessSetFile, type ReplayResult } from "../src/replay/index.js";

interface Args {
  blocks: number[];
  all: boolean;
  corpus: string;
  out: string;
  write: boolean;
}

function row(r: ReplayResult): string {
  const a = r.access;
  const root = r.receiptsRootChecked ? "receiptsRoot ok" : "receiptsRoot n/a (pre-Byzantium)";
  const kzg = r.kzgProofsAssumed > 0 ? `, ${r.kzgProofsAssumed} KZG proof(s) assumed` : "";
  return `${String(a.number).padStart(9)}  ${r.hardfork.padEnd(16)} ${String(a.txs.length).padStart(5)} txs  gasUsed ${a.gasUsed} = header  ${root}${kzg}  ${r.executionMs.toFixed(0)} ms`;
}

async function mainnetReplayBody(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const root = hre.config.paths.root;
  const corpus = isAbsolute(args.corpus) ? args.corpus : resolve(root, args.corpus);
  if (args.all === args.blocks.length > 0) {
    throw new UsageError("give block numbers or --all, not both and not neither", {
      hint: "npx hardhat mainnet replay 19933597, or npx hardhat mainnet replay --all",
    });
  }
  const numbers = args.all ? await listCorpusBlocks(corpus) : args.blocks;
  if (numbers.length === 0) throw new UsageError(`no block directories in ${corpus}`);
  const results: ReplayResult[] = [];
  let txs = 0;
  let ms = 0;
  // Rows go to stdout; the bar (stderr, silent under CI=true) shows how far a long --all run is.
  const bar = createProgress({ label: "replay", total: numbers.length, unit: "blocks" });
  for (const n of numbers) {
    const r = await replayCorpusBlock(corpus, n).catch((e) => {
      bar.stop();
      throw e;
    });
    bar.log(row(r));
    bar.tick();
    results.push(r);
    txs += r.access.txs.length;
    ms += r.executionMs;
    if (args.write) {
      await saveAccessSetFile(
        join(corpus, String(n), ACCESS_SET_FILE_NAME),
        toAccessSetFile(
          [r.access],
          `mainnet block ${n} replayed offline with @ethereumjs/vm from its pre-state; gasUsed and receiptsRoot checked`,
        ),
      );
    }
  }
  bar.finish();
  if (args.out !== "") {
    const out = isAbsolute(args.out) ? args.out : resolve(process.cwd(), args.out);
    await saveAccessSetFile(
      out,
      toAccessSetFile(
        results.map((r) => r.access),
        `${results.length} mainnet block(s) replayed offline with @ethereumjs/vm; gasUsed and receiptsRoot checked`,
      ),
    );
    console.log(`wrote ${out}`);
  }
  console.log(
    `${results.length} block(s), ${txs} txs replayed and checked against their headers in ${(ms / 1000).toFixed(1)} s of execution`,
  );
}

export default async function mainnetReplay(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("mainnet replay", () => mainnetReplayBody(args, hre));
}
