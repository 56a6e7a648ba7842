/**
 * Advice that names the fix: every hot key of a potential-conflict analysis is classified by
 * the pattern it shows, and each pattern names its remedy and the building block of this
 * suite that applies it, with its doc. The classification reads names (from the compiler's
 * storage layout) and who wrote what; it is a heuristic, and says which rule fired.
 */
import type { AccessSetFile } from "../access/format.js";
import type { PotentialKey, PotentialResult } from "./potential.js";

export type Pattern = "global-total" | "price-index" | "own-balance" | "enumerable" | "per-user" | "admin-setting" | "unnamed";

export interface Remedy {
  pattern: Pattern;
  /** One line: what the pattern is. */
  what: string;
  /** One line: the fix, or why none is needed. */
  remedy: string;
  /** The suite's building block that applies it, or null. */
  buildingBlock: string | null;
  /** Where it is documented (repository-relative). */
  doc: string | null;
  /** Whether a fix is needed at all. */
  fix: boolean;
}

export const REMEDIES: Record<Pattern, Remedy> = {
  "global-total": {
    pattern: "global-total",
    what: "a global counter or total written by the calls of many senders",
    remedy: "sharded totals: K shard slots, a caller writes the shard of address % K; reads sum the shards exactly",
    buildingBlock:
      "ShardedTotals (contracts/libraries/ShardedTotals.sol) with AccountShard (contracts/libraries/AccountShard.sol), as DisjointVault's shard words use them",
    doc: "docs/plugin.md (Solidity building blocks you can import: ShardedTotals, AccountShard); docs/vault.md (What a usual vault shares, and what this one does instead)",
    fix: true,
  },
  "price-index": {
    pattern: "price-index",
    what: "a price, rate or index refreshed by every call",
    remedy:
      "a time-derived index or price: write it once per block (the block's first call), as a function of the pre-block state and block.timestamp, and declare it SNAPSHOT",
    buildingBlock:
      "LinearUnlock (contracts/libraries/LinearUnlock.sol: a price as a function of the last report and block.timestamp), as DisjointVault's price schedule uses it; InterestIndex (contracts/libraries/InterestIndex.sol: an index grown from a stored rate and elapsed time), as LendingMarket's interest index uses it",
    doc: "docs/plugin.md (Solidity building blocks you can import: LinearUnlock, InterestIndex); docs/vault.md (The price, and the per-block snapshot); docs/lending.md",
    fix: true,
  },
  "own-balance": {
    pattern: "own-balance",
    what: "the contract's own balance (in a token, or in ether), moved by every deposit and withdrawal",
    remedy:
      "escrow shards: hold the assets in K escrow contracts, pay into and out of the caller's shard escrow, and track assets internally instead of reading balanceOf(this)",
    buildingBlock:
      "ShardEscrow + EscrowShards (contracts/libraries/ShardEscrow.sol, contracts/libraries/EscrowShards.sol), as DisjointVault, DisjointBatchPool and LendingMarket use them",
    doc: "docs/plugin.md (Solidity building blocks you can import: ShardEscrow + EscrowShards); docs/vault.md (What a usual vault shares)",
    fix: true,
  },
  enumerable: {
    pattern: "enumerable",
    what: "an array length or an enumerable set, grown by every call",
    remedy:
      "batch settlement: record each call in per-sender storage and settle them in one batch transaction; or key the data by user in a mapping if nothing iterates it",
    buildingBlock: "DisjointBatchPool (contracts/dex/DisjointBatchPool.sol): per-shard batch sums, one settlement per block",
    doc: "docs/dex.md (Batch pools: parallel orders on one curve, one price per block)",
    fix: true,
  },
  "per-user": {
    pattern: "per-user",
    what: "a per-user (or per-key) mapping entry",
    remedy: "fine: calls conflict only when they use the same key (a user paying another); nothing to fix",
    buildingBlock: null,
    doc: null,
    fix: false,
  },
  "admin-setting": {
    pattern: "admin-setting",
    what: "a setting written by one sender or a couple of calls (owner, admin)",
    remedy: "fine: it conflicts only with its own, rare, administrative call",
    buildingBlock: null,
    doc: null,
    fix: false,
  },
  unnamed: {
    pattern: "unnamed",
    what: "a slot the storage layout does not name",
    remedy: 'name it first: build with outputSelection { "*": { "*": ["storageLayout"] } } (or pass an address book) and capture again',
    buildingBlock: null,
    doc: "docs/plugin.md",
    fix: false,
  },
};

export interface Advice {
  /** The key's name, or for a per-user mapping the variable (keys elided). */
  subject: string;
  pattern: Pattern;
  /** Which rule classified it, in words. */
  because: string;
  /** Function pairs in conflict on it across senders; for a variable, summed over its keys. */
  pairs: number;
  writers: string[];
  /** Keys behind the line (several for a per-user mapping). */
  keys: number;
  remedy: Remedy;
}

const PRICE_LIKE = /price|index|rate|cumulative|accru|lastupdate|timestamp|snap|oracle/i;
const ENUMERABLE = /\.length$|\._values|\._positions|\._indexes|\._inner\b/;
const KEY = /\[(0x[0-9a-f]{40})\]/g;

function classify(k: PotentialKey, contracts: Set<string>, labels: Record<string, string>): { pattern: Pattern; because: string } {
  const named = (a: string) => (labels[a] ? `${labels[a]} (${a})` : a);
  if (!k.slot.startsWith("0x")) {
    if (k.slot === "balance" && contracts.has(k.account))
      return { pattern: "own-balance", because: "the ether balance of a contract, written by calls of several senders" };
    return { pattern: "per-user", because: `the ${k.slot} of one account` };
  }
  if (k.name === null) return { pattern: "unnamed", because: "no storage layout names this slot" };
  if (ENUMERABLE.test(k.name)) return { pattern: "enumerable", because: "an array length or EnumerableSet storage" };
  const mapped = [...k.name.matchAll(KEY)].map((m) => m[1]);
  if (k.name.includes("[")) {
    const owner = mapped.find((a) => contracts.has(a));
    if (owner !== undefined && /balance/i.test(k.variable))
      return {
        pattern: "own-balance",
        because: `a balance entry keyed by the contract ${named(owner)}, written by calls of ${k.writerSenders} senders`,
      };
    if (owner !== undefined && k.writerSenders > 1)
      return {
        pattern: "own-balance",
        because: `an entry keyed by the contract ${named(owner)}, written by calls of ${k.writerSenders} senders`,
      };
    return { pattern: "per-user", because: "a mapping entry keyed by a user or an index" };
  }
  if (k.writerSenders <= 1) return { pattern: "admin-setting", because: "written by a single sender" };
  // Two writes by two senders is a hand-over (transferOwnership, acceptOwnership), not a total.
  if (k.writerTxs < 3) return { pattern: "admin-setting", because: `written by only ${k.writerTxs} calls` };
  if (PRICE_LIKE.test(k.variable))
    return { pattern: "price-index", because: `its name (${k.variable}) reads as a price or index, written by ${k.writerSenders} senders` };
  return {
    pattern: "global-total",
    because: `one slot written by ${k.writerTxs} calls of ${k.writerSenders} senders (${k.writers.join(", ")})`,
  };
}

/**
 * Classifies every key in conflict. Per-user mapping entries and account fields of users are
 * folded into one line per variable; every other key gets its own line.
 */
export function adviseOn(potential: PotentialResult, file: Pick<AccessSetFile, "names" | "blocks">): Advice[] {
  const contracts = new Set<string>(Object.keys(file.names?.accounts ?? {}));
  for (const b of file.blocks) for (const t of b.txs) if (t.to) contracts.add(t.to);
  const out: Advice[] = [];
  const folded = new Map<string, Advice>();
  for (const k of potential.allKeys) {
    const { pattern, because } = classify(k, contracts, file.names?.accounts ?? {});
    if (pattern === "per-user") {
      const subject = k.slot.startsWith("0x") ? k.variable : `<user>.${k.slot}`;
      const a = folded.get(subject);
      if (a) {
        a.pairs += k.pairs;
        a.keys++;
        for (const w of k.writers) if (!a.writers.includes(w)) a.writers.push(w);
      } else {
        const line: Advice = { subject, pattern, because, pairs: k.pairs, writers: [...k.writers], keys: 1, remedy: REMEDIES[pattern] };
        folded.set(subject, line);
        out.push(line);
      }
      continue;
    }
    out.push({
      subject: k.name ?? `${k.account}:${k.slot}`,
      pattern,
      because,
      pairs: k.pairs,
      writers: k.writers,
      keys: 1,
      remedy: REMEDIES[pattern],
    });
  }
  // Lines that need a fix first, then by how many function pairs they put in conflict.
  return out.sort((x, y) => Number(y.remedy.fix) - Number(x.remedy.fix) || y.pairs - x.pairs);
}
