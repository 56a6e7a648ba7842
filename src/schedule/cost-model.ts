/**
 * A cost model of a real parallel EVM, per engine profile (src/schedule/engines/*.json).
 *
 * The idealized model of docs/schedulers.md makes a transaction take exactly its gas and
 * lets threads, validation and commit cost nothing. Here, for one engine on one machine:
 *  - sequential time of a tx (µs) = seqPerTx + seqPerKGas * gas/1000 + seqPerStorageRead * storage
 *    reads + seqPerStorageWrite * storage writes + seqPerAccount * accounts touched;
 *  - in the parallel run each execution (re-executions too) takes execScale * sequential time
 *    plus execFixed plus execPerAccess per read and written location (multi-version memory),
 *    a validation validationPerRead per read, a suspended execution suspendFraction of an
 *    execution plus suspendFixed; thread k starts at (k + 1) * threadStart; after the threads join, a serial
 *    commit of commitPerTx per tx (results in block order, lazy accounts evaluated);
 *  - the engine's lazy updates relax the dependencies for scheduling only (engine-relax.ts);
 *  - small blocks run sequentially (fewer than fallback.minTxs txs or under fallback.minGas
 *    gas), and a block in which a tx reads an account an earlier tx self-destructed aborts the
 *    parallel run at that read and re-runs sequentially (fallback.selfDestructRead).
 * Predicted speedup = sequential time / parallel time. The parameters of each profile are
 * fitted by bench/calibrate.ts on the engine's own measurements (provenance in the file).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { UsageError } from "../errors.js";
import { locationKey } from "../model/location.js";
import type { BlockAccess } from "../access/format.js";
import { blockLevelReads } from "../model/dependency.js";
import { simulateBlockStm, type BlockStmInput, type BlockStmOptions } from "./blockstm.js";
import { relaxForEngine, type LazyRules } from "./engine-relax.js";

/** One named, documented parameter of a profile. */
export interface ProfileParam {
  value: number;
  unit: string;
  doc: string;
  /** Where the value comes from: a measurement, a source file, or "fitted by bench/calibrate.ts on ...". */
  provenance: string;
}

export const PARAM_NAMES = [
  "seqPerTx",
  "seqPerKGas",
  "seqPerStorageRead",
  "seqPerStorageWrite",
  "seqPerAccount",
  "execScale",
  "execFixed",
  "execPerAccess",
  "validationPerRead",
  "suspendFraction",
  "suspendFixed",
  "threadStart",
  "commitPerTx",
] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type ParamValues = Record<ParamName, number>;

export interface EngineProfile {
  name: string;
  description: string;
  engine: { name: string; repository: string; commit: string; source: string };
  hardware: string;
  threads: number;
  fallback: {
    minTxs: number;
    minGas: number;
    selfDestructRead: boolean;
    provenance: string;
  };
  lazy: LazyRules & { provenance: string };
  params: Record<ParamName, ProfileParam>;
  /** How the parameters were obtained (bench/calibrate.ts writes it). */
  fit: {
    command: string;
    rule: string;
    fitting: number[];
    validation: number[];
    objective: string;
    validationSummary?: string;
    note?: string;
  };
}

export const ENGINE_PROFILES = ["pevm-graviton3-c12", "pevm-i9-12900k-c8"] as const;
export type EngineProfileName = (typeof ENGINE_PROFILES)[number];
export const DEFAULT_ENGINE: EngineProfileName = "pevm-graviton3-c12";

/** The file a profile is stored in (src/schedule/engines/<name>.json). */
export function profileUrl(name: string): URL {
  return new URL(`./engines/${name}.json`, import.meta.url);
}

/** Loads an engine profile by name; an unknown name is an error listing the known ones. */
export function loadEngineProfile(name: string = DEFAULT_ENGINE): EngineProfile {
  if (!(ENGINE_PROFILES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown engine profile "${name}" (known: ${ENGINE_PROFILES.join(", ")}); pass --engine with one of those`);
  }
  const p = JSON.parse(readFileSync(profileUrl(name), "utf8")) as EngineProfile;
  for (const k of PARAM_NAMES) {
    const v = p.params[k]?.value;
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v))
      throw new Error(`engine profile ${name}: parameter ${k} is missing or not a finite number >= 0 (re-run bench/calibrate.ts)`);
  }
  return p;
}

export function paramValues(p: EngineProfile): ParamValues {
  const out = {} as ParamValues;
  for (const k of PARAM_NAMES) out[k] = p.params[k].value;
  return out;
}

/** What a tx does, for the cost model. */
export interface TxFeatures {
  gas: number;
  storageReads: number;
  storageWrites: number;
  /** Distinct accounts touched (fee recipient left out). */
  accounts: number;
}

/** Facts about a block the access sets alone do not give (they need the pre-state's code). */
export interface BlockFacts {
  /** Per tx: a value transfer to an account without code when the tx ran. */
  rawTransfer: boolean[];
  /** Txs that read the code of an account an earlier tx self-destructed: [reader, address, destroyer]. */
  selfDestructReads: [number, string, number][];
}

/** Per-tx features from the access sets. */
export function txFeatures(block: BlockAccess): TxFeatures[] {
  return block.txs.map((t) => {
    const acc = new Set<string>();
    for (const k of [t.storage.reads, t.storage.writes, t.accounts.reads, t.accounts.writes])
      for (const [a] of k) if (a !== block.coinbase) acc.add(a);
    return { gas: t.gasUsed, storageReads: t.storage.reads.length, storageWrites: t.storage.writes.length, accounts: acc.size };
  });
}

/**
 * Block facts from the access sets and which accounts had code before the block. A write of
 * an account's `code` field by a tx is a self-destruct when the account had code then (from
 * the pre-state or an earlier creation in the block), a creation otherwise.
 */
export function blockFacts(block: BlockAccess, hadCode: (address: string) => boolean): BlockFacts {
  const code = new Map<string, boolean>();
  const has = (a: string) => code.get(a) ?? hadCode(a);
  const destroyedBy = new Map<string, number>();
  const rawTransfer: boolean[] = [];
  const selfDestructReads: [number, string, number][] = [];
  block.txs.forEach((t, i) => {
    rawTransfer.push(t.to !== null && !has(t.to));
    for (const [a, f] of t.accounts.reads) {
      const d = destroyedBy.get(a);
      if (f === "code" && d !== undefined && d < i) selfDestructReads.push([i, a, d]);
    }
    for (const [a, f] of t.accounts.writes) {
      if (f !== "code") continue;
      if (has(a)) {
        destroyedBy.set(a, i);
        code.set(a, false);
      } else code.set(a, true);
    }
  });
  return { rawTransfer, selfDestructReads };
}

/** Sequential time of one tx (µs) under the profile's parameters. */
export function sequentialTime(f: TxFeatures, p: ParamValues): number {
  return (
    p.seqPerTx +
    (p.seqPerKGas * f.gas) / 1000 +
    p.seqPerStorageRead * f.storageReads +
    p.seqPerStorageWrite * f.storageWrites +
    p.seqPerAccount * f.accounts
  );
}

export interface EnginePrediction {
  engine: string;
  threads: number;
  txs: number;
  gas: number;
  /** Predicted sequential time (µs). */
  sequential: number;
  /** Predicted time of the engine's run (µs): parallel, or sequential after a fallback. */
  parallel: number;
  speedup: number;
  /** Why the engine ran sequentially, or null. */
  fallback: string | null;
  /** Block-STM statistics of the parallel run (absent on a size fallback). */
  aborts?: number;
  reExecutions?: number;
  note: string;
}

/** The Block-STM options a profile's parameters give. */
export function blockStmOptions(p: ParamValues, threads: number): BlockStmOptions {
  return {
    threads,
    validationFraction: 0,
    validationPerRead: p.validationPerRead,
    validationFixed: 0,
    suspendFraction: p.suspendFraction,
    suspendFixed: p.suspendFixed,
    executionFixed: p.execFixed,
    executionPerRead: p.execPerAccess,
    executionPerWrite: p.execPerAccess,
    threadStart: p.threadStart,
    commitPerTx: p.commitPerTx,
  };
}

/** A block made ready for repeated predictions (the calibration's search): relaxed and interned once. */
export interface EngineBlock {
  number: number;
  txs: number;
  gas: number;
  features: TxFeatures[];
  /** Why the engine runs the block sequentially, or null. */
  sizeFallback: string | null;
  /** The relaxed block's read and write sets as the engine schedules them (null on a size fallback). */
  prepared: BlockStmInput | null;
  selfDestructReads: [number, string, number][];
  note: string;
}

/**
 * Applies the profile's fallback rule and lazy updates to a block. `facts` is required for an
 * engine with lazy raw transfers (from blockFacts(), or inferFacts() without a pre-state).
 */
export function engineBlock(block: BlockAccess, profile: EngineProfile, facts?: BlockFacts): EngineBlock {
  const features = txFeatures(block);
  const gas = block.txs.reduce((a, t) => a + t.gasUsed, 0);
  const fb = profile.fallback;
  const minTxs = Math.max(2, fb.minTxs);
  const base = {
    number: block.number,
    txs: block.txs.length,
    gas,
    features,
    selfDestructReads: fb.selfDestructRead ? (facts?.selfDestructReads ?? []) : [],
  };
  if (block.txs.length < minTxs || gas < fb.minGas) {
    const why = block.txs.length < minTxs ? `fewer than ${minTxs} txs` : `under ${fb.minGas.toLocaleString("en-US")} gas`;
    return { ...base, sizeFallback: why, prepared: null, note: `${profile.name} runs blocks with ${why} sequentially` };
  }
  if (profile.lazy.rawTransfers && !facts)
    throw new RangeError(
      `block ${block.number}: engine ${profile.name} needs the block's facts (raw transfers, self-destructs): pass them from blockFacts() or inferFacts()`,
    );
  const relaxed = relaxForEngine(block, profile.lazy, facts?.rawTransfer);
  return { ...base, sizeFallback: null, prepared: engineSchedulingBlock(relaxed.block), note: relaxed.note };
}

/**
 * The relaxed block as the engine's Block-STM sees it: per tx, the locations it writes and
 * the locations it reads. The engine's read set is the dependency model's: a write implies a
 * read (revm loads an account or slot before it writes it: a balance credit adds to the loaded
 * balance, SSTORE prices the write from the current value), so a tx reads what it observed,
 * what it writes, and the block-level reads (src/model/dependency.ts blockLevelReads); the lazy
 * entries relaxForEngine leaves out read nothing. The profiles were fitted with these read sets
 * (executionPerRead, validationPerRead, Block-STM's validations); the result is the same as
 * prepareBlock of the relaxed block with the fee recipient's credits included
 * (test/engine/blockstm-equivalence.ts). Location ids are numbered in order of first access (block-level reads, then
 * storage reads, storage writes, account reads, account writes of each tx), as prepareBlock
 * numbers them; an execution meets its reads in id order.
 */
export function engineSchedulingBlock(block: BlockAccess): BlockStmInput {
  const ids = new Map<string, Map<string, number>>();
  const locations: string[] = [];
  const id = (a: string, f: string): number => {
    let inner = ids.get(a);
    if (inner === undefined) ids.set(a, (inner = new Map()));
    let k = inner.get(f);
    if (k === undefined) {
      k = locations.length;
      inner.set(f, k);
      locations.push(locationKey(a, f));
    }
    return k;
  };
  const extra = blockLevelReads(block).reads;
  const sorted = (xs: Set<number>) => Int32Array.from(xs).sort();
  const txs = block.txs.map((tx) => {
    const blockReads = extra.map(([a, f]) => id(a, f));
    const reads = new Set<number>();
    const writes = new Set<number>();
    for (const [a, f] of tx.storage.reads) reads.add(id(a, f));
    for (const [a, f] of tx.storage.writes) writes.add(id(a, f));
    for (const [a, f] of tx.accounts.reads) reads.add(id(a, f));
    for (const [a, f] of tx.accounts.writes) writes.add(id(a, f));
    for (const l of blockReads) reads.add(l);
    for (const l of writes) reads.add(l);
    return { index: tx.index, cost: 0, reads: sorted(reads), writes: sorted(writes) };
  });
  return { number: block.number, locations, txs };
}

/** Predicts the engine's run of a prepared block under parameter values `p` on `threads` threads. */
export function predictEngineBlock(
  eb: EngineBlock,
  profile: EngineProfile,
  p: ParamValues = paramValues(profile),
  threads = profile.threads,
): EnginePrediction {
  return predictEngineSweep(eb, profile, [threads], p)[0];
}

/**
 * predictEngineBlock at several thread counts: the per-tx times and the block's multi-version
 * memory layout are computed once and shared by the runs (the results are the same as one
 * predictEngineBlock call per thread count).
 */
export function predictEngineSweep(
  eb: EngineBlock,
  profile: EngineProfile,
  threadCounts: readonly number[],
  p: ParamValues = paramValues(profile),
): EnginePrediction[] {
  const seqTimes = eb.features.map((f) => sequentialTime(f, p));
  const sequential = seqTimes.reduce((a, b) => a + b, 0);
  const cost = eb.prepared === null ? null : Float64Array.from(seqTimes, (s) => p.execScale * s);
  return threadCounts.map((threads) => {
    const base = { engine: profile.name, threads, txs: eb.txs, gas: eb.gas, sequential };
    if (eb.prepared === null || cost === null)
      return { ...base, parallel: sequential, speedup: 1, fallback: `sequential: ${eb.sizeFallback}`, note: eb.note };
    const r = simulateBlockStm(eb.prepared, { ...blockStmOptions(p, threads), cost });
    if (eb.selfDestructReads.length > 0) {
      // The parallel run stops when the first reader reads the self-destructed account (its
      // committed execution's start in the simulation); then the block runs sequentially.
      let abortAt = Infinity;
      for (const [reader] of eb.selfDestructReads) abortAt = Math.min(abortAt, r.start![reader]);
      const parallel = abortAt + sequential;
      const [reader] = eb.selfDestructReads[0];
      return {
        ...base,
        parallel,
        speedup: sequential / parallel,
        fallback: `parallel run aborted at tx ${reader} (reads a self-destructed account), re-run sequentially`,
        aborts: r.aborts,
        reExecutions: r.reExecutions,
        note: eb.note,
      };
    }
    return {
      ...base,
      parallel: r.makespan,
      speedup: sequential / r.makespan,
      fallback: null,
      aborts: r.aborts,
      reExecutions: r.reExecutions,
      note: eb.note,
    };
  });
}

/** Predicts the engine's speedup on one block (engineBlock + predictEngineBlock). */
export function predictBlock(
  block: BlockAccess,
  profile: EngineProfile,
  opts: { facts?: BlockFacts; threads?: number; values?: ParamValues } = {},
): EnginePrediction {
  return predictEngineBlock(
    engineBlock(block, profile, opts.facts),
    profile,
    opts.values ?? paramValues(profile),
    opts.threads ?? profile.threads,
  );
}

/**
 * Block facts without a pre-state (any access-set file): a tx is taken as a raw transfer when
 * it has a recipient, no selector, no storage access and touches no account but its sender,
 * its recipient and the fee recipient; self-destructs are not detected. Shipped mainnet blocks
 * have exact facts in fixtures/pevm/block-facts.json.gz.
 */
export function inferFacts(block: BlockAccess): BlockFacts {
  const rawTransfer = block.txs.map((t) => {
    if (t.to === null || t.selector !== null || t.storage.reads.length + t.storage.writes.length > 0) return false;
    const ok = new Set([t.from, t.to, block.coinbase]);
    return [...t.accounts.reads, ...t.accounts.writes].every(([a]) => ok.has(a));
  });
  return { rawTransfer, selfDestructReads: [] };
}

/**
 * The facts file written by bench/block-features.ts (fixtures/pevm/block-facts.json.gz): the
 * facts of this block (same number, tx count and hash when both have one), or undefined.
 */
export function factsFromFile(json: unknown, block: Pick<BlockAccess, "number" | "hash" | "txs">): BlockFacts | undefined {
  const f = json as {
    format?: string;
    blocks?: Record<string, { hash?: string | null; txs: number; rawTransfers: number[]; selfDestructReads: [number, string, number][] }>;
  };
  if (f?.format !== "disjoint.block-facts")
    throw new Error("not a block-facts file (expected format disjoint.block-facts; regenerate it with bench/block-features.ts)");
  const b = f.blocks?.[String(block.number)];
  const txs = block.txs.length;
  if (!b || b.txs !== txs || (b.hash && block.hash && b.hash !== block.hash)) return undefined;
  const rawTransfer = new Array<boolean>(txs).fill(false);
  for (const i of b.rawTransfers) rawTransfer[i] = true;
  return { rawTransfer, selfDestructReads: b.selfDestructReads };
}

/** Exact facts for the shipped mainnet blocks (fixtures/pevm/block-facts.json.gz), inferred ones otherwise. */
export function blockFactsLookup(): (b: BlockAccess) => BlockFacts {
  let shipped: unknown = null;
  try {
    shipped = JSON.parse(gunzipSync(readFileSync(new URL("../../fixtures/pevm/block-facts.json.gz", import.meta.url))).toString("utf8"));
  } catch {
    shipped = null; // not in this checkout: every block's facts are inferred
  }
  return (b) => (shipped ? factsFromFile(shipped, b) : undefined) ?? inferFacts(b);
}
