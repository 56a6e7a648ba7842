/** Replaying corpus directories into access-set files. */
import { InputError } from "../errors.js";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { AccessSetFile, BlockAccess } from "../access/format.js";
import { FORMAT_NAME, FORMAT_VERSION } from "../access/format.js";
import { loadCorpusBlock } from "./corpus.js";
import { replayBlock, type ReplayResult } from "./replay.js";
import type { AccessSource } from "../model/source.js";

/** The default place of the shipped corpus: fixtures/mainnet/<number>/. */
export const ACCESS_SET_FILE_NAME = "access-sets.json.gz";

/** Wraps replayed blocks into an access-set file. */
export function toAccessSetFile(blocks: BlockAccess[], description: string): AccessSetFile {
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    source: { kind: "replay", description, chainId: 1 },
    precision: { reads: "tx", writes: "tx" },
    blocks,
  };
}

/** The replay source: corpus blocks re-executed offline, checked against their headers. */
export class ReplaySource implements AccessSource {
  readonly kind = "replay" as const;
  readonly precision = { reads: "tx", writes: "tx" } as const;
  readonly chainId = 1;

  constructor(
    private readonly root: string,
    private readonly numbers: readonly number[],
    readonly description: string,
    /** Sees each replay's full result (timings, hardfork, receipts check) before its block is yielded. */
    private readonly onBlock?: (r: ReplayResult) => void | Promise<void>,
  ) {}

  async *blocks(): AsyncIterable<BlockAccess> {
    for (const n of this.numbers) {
      const r = await replayCorpusBlock(this.root, n);
      await this.onBlock?.(r);
      yield r.access;
    }
  }
}

/** Block numbers of a corpus root (subdirectories named by a decimal number), ascending. */
export async function listCorpusBlocks(root: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`cannot list the corpus directory ${root}: ${(e as Error).message}`);
  }
  return entries
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/** Replays `<root>/<number>/` and returns the result; the fidelity checks throw on a mismatch. */
export async function replayCorpusBlock(root: string, number: number): Promise<ReplayResult> {
  const dir = join(root, String(number));
  const input = await loadCorpusBlock(dir).catch(async (e: Error) => {
    const known = await listCorpusBlocks(root).catch(() => []);
    const list = known.length ? ` (available: ${known.join(", ")})` : "";
    throw new InputError(`block ${number} is not in the corpus at ${root}${list}: ${e.message}`);
  });
  if (Number(BigInt(input.block.number)) !== number) {
    throw new InputError(`${dir}/block.json.gz holds block ${Number(BigInt(input.block.number))}, not ${number}`);
  }
  return replayBlock(input, input.receipts ? { expectedReceipts: input.receipts } : {});
}
