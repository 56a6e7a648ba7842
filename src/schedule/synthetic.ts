/**
 * Synthetic workloads in the access-set format, for benchmarks and demos.
 */
import { UsageError } from "../errors.js";
import type { AccessSetFile, BlockAccess, TxAccess } from "../access/format.js";
import { createRng } from "../util/random.js";

/** The workload generators' seeded PRNG (mulberry32), under the name the schedule engine exports. */
export const prng = createRng;

const address = (k: number) => "0x" + k.toString(16).padStart(40, "0");
const COINBASE = address(0xc0ffee);

/**
 * The Block-STM paper's peer-to-peer workload: each tx transfers between two distinct
 * accounts drawn uniformly from `accounts`, reading and writing the sender's balance and
 * nonce and the receiver's balance; every tx costs 21000 gas and pays the coinbase.
 */
export function p2pBlock(txs: number, accounts: number, seed = 1, number = 0): BlockAccess {
  if (accounts < 2) throw new UsageError("p2p needs at least 2 accounts");
  const rnd = prng(seed);
  const list: TxAccess[] = [];
  for (let i = 0; i < txs; i++) {
    const s = Math.floor(rnd() * accounts);
    let r = Math.floor(rnd() * (accounts - 1));
    if (r >= s) r++;
    const from = address(0x1000 + s);
    const to = address(0x1000 + r);
    list.push({
      index: i,
      hash: null,
      from,
      to,
      selector: null,
      gasUsed: 21000,
      storage: { reads: [], writes: [] },
      accounts: {
        reads: [
          [from, "balance"],
          [from, "nonce"],
          [to, "balance"],
        ],
        writes: [
          [from, "balance"],
          [from, "nonce"],
          [to, "balance"],
          [COINBASE, "balance"],
        ],
      },
    });
  }
  return { number, hash: null, coinbase: COINBASE, txs: list };
}

/** Options of {@link defiMixBlock}. */
export interface DefiMixOptions {
  /** Distinct users the senders are drawn from (fewer users: more nonce chains). */
  users: number;
  /** Block number. */
  number?: number;
  /** Selector of the swaps (deposits have none). */
  swapSelector?: string | null;
}

/**
 * A DeFi-like block with declared access lists: 30% swaps on 5 pools (a hot reserves slot
 * each), 70% per-user deposits into one vault (a slot of their own); every tx also declares
 * one slot it does not touch, and pays the coinbase.
 */
export function defiMixBlock(txs: number, seed: number, opts: DefiMixOptions): BlockAccess {
  const rnd = prng(seed);
  const slot = (k: number) => "0x" + k.toString(16).padStart(64, "0");
  const list: TxAccess[] = [];
  for (let i = 0; i < txs; i++) {
    const user = address(0x100000 + Math.floor(rnd() * opts.users));
    const swap = rnd() < 0.3;
    const contract = swap ? address(0x5000 + Math.floor(rnd() * 5)) : address(0x7000);
    const own = slot(0x10000 + i);
    const storage: TxAccess["storage"] = swap
      ? {
          reads: [
            [contract, slot(8)],
            [contract, own],
          ],
          writes: [
            [contract, slot(8)],
            [contract, own],
          ],
        }
      : { reads: [[contract, own]], writes: [[contract, own]] };
    list.push({
      index: i,
      hash: null,
      from: user,
      to: contract,
      selector: swap ? (opts.swapSelector ?? null) : null,
      gasUsed: swap ? 110000 : 60000 + Math.floor(rnd() * 20000),
      storage,
      accounts: {
        reads: [
          [user, "balance"],
          [user, "nonce"],
        ],
        writes: [
          [user, "balance"],
          [user, "nonce"],
          [COINBASE, "balance"],
        ],
      },
      declared: { reads: [], writes: [...storage.writes, [contract, slot(0x99)]] },
    });
  }
  return { number: opts.number ?? 0, hash: null, coinbase: COINBASE, txs: list };
}

/** Wraps blocks as an access-set file. */
export function syntheticFile(description: string, blocks: BlockAccess[]): AccessSetFile {
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description },
    precision: { reads: "tx", writes: "tx" },
    blocks,
  };
}
