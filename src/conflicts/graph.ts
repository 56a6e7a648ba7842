/**
 * The conflict graph of a set of transactions, built in one pass in time linear in the
 * number of accesses: per location we keep its last writer and the readers since that write
 * (src/model/dependency.ts, the one dependency definition), never comparing transactions
 * pairwise.
 *
 * Input is either an AccessSetFile or the one in-memory block form (CompactAccessSets,
 * src/model/block.ts), which the pipeline builds once and shares with the simulation.
 * Transactions conflict only with transactions of the same block, in block order.
 */
import type { AccessSetFile } from "../access/format.js";
import { compactAccessSets, GrowI32, GrowU8, type CompactAccessSets } from "../model/block.js";
import {
  ACCESS_SNAPSHOT,
  DependencyTracker,
  dependencyMode,
  dependencyUsesSender,
  fieldDependencyMode,
  fieldDependencyNeeds,
  NEEDS_FEE_RECIPIENT,
  NEEDS_SENDER,
  dependencyOptions,
  EDGE_RAW,
  EDGE_WW,
  type DependencyOptions,
} from "../model/dependency.js";

/** How dependencies are defined (src/model/dependency.ts); defaults filled in. */
export type GraphOptions = Partial<DependencyOptions>;

/** One transaction as the graph knows it; `pos` is its position over all blocks. */
export interface TxNode {
  pos: number;
  block: number;
  /** Index in its block. */
  index: number;
  hash: string | null;
  from: string | null;
  to: string | null;
  /** "Contract.function", else "<to>.<selector>", "transfer" or "create". */
  function: string;
  gasUsed: number;
}

/** Per storage location (or account field) counters over the whole input. */
export interface KeyStats {
  /** Transactions that touched the key. */
  txs: Int32Array;
  /** Transactions that wrote it. */
  writers: Int32Array;
  /** Transactions that had to wait on an earlier writer of this key (RAW or WW into them). */
  serialized: Int32Array;
}

export interface ConflictGraph {
  options: DependencyOptions;
  input: CompactAccessSets;
  txCount: number;
  /** The transaction at position `pos` (built on demand). */
  tx(pos: number): TxNode;
  blocks: CompactAccessSets["blocks"];
  keyAccount: CompactAccessSets["keyAccount"];
  keyField: CompactAccessSets["keyField"];
  keyStats: KeyStats;
  /** Edges earlier -> later, ordered by `to`, one per pair; `kind` a bit set, `key` the key of the strongest kind. */
  edges: { from: Int32Array; to: Int32Array; kind: Uint8Array; key: Int32Array; count: number };
  /** Number of (tx, key) accesses after per-tx deduplication and the fee-recipient filter. */
  accesses: number;
}

const isCompact = (x: AccessSetFile | CompactAccessSets): x is CompactAccessSets => "txKeys" in x;

/** Builds the conflict graph, in time linear in the number of accesses. */
export function buildConflictGraph(input: AccessSetFile | CompactAccessSets, opts: GraphOptions & { cost?: string } = {}): ConflictGraph {
  const options = dependencyOptions(opts);
  const c = isCompact(input) ? input : compactAccessSets(input, opts.cost);
  const K = c.keyAccount.length;
  const n = c.txBlock.length;

  const statTxs = new Int32Array(K);
  const statWriters = new Int32Array(K);
  const statSerialized = new Int32Array(K);
  const serializedBy = new Int32Array(K).fill(-1); // the tx last counted in statSerialized[k]
  const predStamp = new Int32Array(n).fill(-1); // predStamp[p] === t: edge p -> t exists, at predEdge[p]
  const predEdge = new Int32Array(n);

  const eFrom = new GrowI32(1 << 16);
  const eTo = new GrowI32(1 << 16);
  const eKind = new GrowU8(1 << 16);
  const eKey = new GrowI32(1 << 16);
  const rank = (k: number) => (k & EDGE_WW ? 3 : k & EDGE_RAW ? 2 : 1);
  let to = -1;
  const addEdge = (from: number, kind: number, key: number) => {
    if (kind !== 4 /* EDGE_WAR */ && serializedBy[key] !== to) {
      serializedBy[key] = to;
      statSerialized[key]++;
    }
    if (predStamp[from] === to) {
      const e = predEdge[from];
      const old = eKind.a[e];
      if (rank(kind) > rank(old)) eKey.a[e] = key;
      eKind.a[e] = old | kind;
      return;
    }
    predStamp[from] = to;
    predEdge[from] = eFrom.n;
    eFrom.push(from);
    eTo.push(to);
    eKind.push(kind);
    eKey.push(key);
  };

  // Only account fields can be dropped or relaxed by the rules.
  const isField = c.keyIsField;
  const usesSender = dependencyUsesSender(options);
  const tracker = new DependencyTracker();
  let accesses = 0;
  const { txStart, txKeys, txModes } = c;
  for (let b = 0; b < c.blocks.length; b++) {
    const blk = c.blocks[b];
    tracker.beginBlock();
    for (let pos = blk.start; pos < blk.end; pos++) {
      to = pos;
      const end = txStart[pos + 1];
      // The sender, read once per transaction and only when the rule needs it for an account field.
      let from: string | null | undefined = usesSender ? undefined : null;
      // Edges are emitted while processing `to`, so they come out ordered by `to`.
      for (let i = txStart[pos]; i < end; i++) {
        const k = txKeys[i];
        const observed = txModes[i];
        let m: number;
        if (isField[k]) {
          // The account is decoded only for the accesses where the rule looks at it.
          const field = c.keyField.at(k)!;
          const needs = fieldDependencyNeeds(observed, field, options);
          const account = needs === 0 ? "" : c.keyAccount.at(k)!;
          m = fieldDependencyMode(
            observed,
            field,
            (needs & NEEDS_FEE_RECIPIENT) !== 0 && account === blk.coinbase,
            (needs & NEEDS_SENDER) !== 0 && account === (from === undefined ? (from = c.txFrom.at(pos) ?? null) : from),
            options,
          );
        } else m = dependencyMode(observed, "", "", "", null, options);
        if (m === 0) continue;
        accesses++;
        statTxs[k]++;
        if (m & ~(1 | ACCESS_SNAPSHOT)) statWriters[k]++;
        tracker.access(k, pos, m, addEdge);
      }
    }
  }

  const tx = (pos: number): TxNode => ({
    pos,
    block: c.blocks[c.txBlock[pos]].number,
    index: c.txIndex[pos],
    hash: c.txHash.at(pos) ?? null,
    from: c.txFrom.at(pos) ?? null,
    to: c.txTo.at(pos) ?? null,
    function: c.fnNames[c.txFn[pos]],
    gasUsed: c.txGas[pos],
  });

  return {
    options,
    input: c,
    txCount: n,
    tx,
    blocks: c.blocks,
    keyAccount: c.keyAccount,
    keyField: c.keyField,
    keyStats: { txs: statTxs, writers: statWriters, serialized: statSerialized },
    edges: { from: eFrom.view(), to: eTo.view(), kind: eKind.view(), key: eKey.view(), count: eFrom.n },
    accesses,
  };
}
