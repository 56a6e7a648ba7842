import { isAbsolute, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { captureFile } from "../src/model/source.js";
import { ReplaySource } from "../src/replay/index.js";
import { writeCapture } from "./capture-out.js";
import { asUserErrors } from "./user-error.js";

interface Args {
  block: number;
  out: string;
  corpus: string;
}

/** A corpus block re-executed offline (src/replay): the same engine as `mainnet replay`. */
async function body(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const corpus = isAbsolute(args.corpus) ? args.corpus : resolve(hre.config.paths.root, args.corpus);
  const source = new ReplaySource(corpus, [args.block], `mainnet block ${args.block}, replayed offline`, (r) =>
    console.log(
      `replayed block ${args.block} (${r.hardfork}): ${r.txs.length} txs, gas ${r.gasUsed} matches the header${r.receiptsRootChecked ? ", receipts root matches" : ""}`,
    ),
  );
  await writeCapture(args.out, await captureFile(source));
}

export default async function captureReplay(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("conflicts capture replay", () => body(args, hre));
}
