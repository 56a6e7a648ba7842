/**
 * Mainnet conflict study: for corpus blocks (fixtures/mainnet/<n>/), the conflict analysis
 * (conflict rate, longest dependency chain, hot slots, named where known) and the scheduler
 * models (dag, block-stm, locks) at several thread counts, per block and in aggregate.
 * No Hardhat import; bench/mainnet-study.ts writes the report.
 *
 * Naming: well-known mainnet contracts are labelled by address; for WETH, USDC, USDT and DAI
 * the balance-mapping slots keccak(pad32(holder) . pad32(mappingSlot)) are computed for
 * candidate holders (every address the block's transactions touched, plus every 32-byte
 * calldata word that looks like an address) and, where a computed slot was accessed, it is
 * named `USDC.balances[0x…]`. `tokenCoverage` reports how many of each token's accessed
 * slots were named, which checks the assumed mapping slot numbers on the data.
 */
import { InputError } from "../errors.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Common, Mainnet } from "@ethereumjs/common";
import { keccak256 } from "ethers";
import { FORMAT_NAME, FORMAT_VERSION, type AccessSetFile, type BlockAccess } from "../access/format.js";
import { parseAccessSetFile } from "../access/io.js";
import { analyze, type HotSlot } from "../conflicts/index.js";
import { simulateFile, type Row, type SchedulerName } from "../schedule/index.js";
import { runPipeline } from "../pipeline/index.js";

/** Well-known mainnet contracts (lowercase address -> label). */
export const KNOWN_CONTRACTS: Readonly<Record<string, string>> = {
  "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": "WETH",
  "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": "USDC",
  "0xdac17f958d2ee523a2206206994597c13d831ec7": "USDT",
  "0x6b175474e89094c44da98b954eedeac495271d0f": "DAI",
  "0x7a250d5630b4cf539739df2c5dacb4c659f2488d": "UniswapV2Router02",
  "0xe592427a0aece92de3edee1f18e0157c05861564": "UniswapV3SwapRouter",
  "0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45": "UniswapV3SwapRouter02",
  "0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b": "UniswapUniversalRouter(old)",
  "0x3fc91a3afd70395cd496c647d5a6a6a4e2e46c8f": "UniswapUniversalRouter",
  "0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f": "UniswapV2Factory",
  "0x1f98431c8ad98523631ae4a59f267346ea31f984": "UniswapV3Factory",
  "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc": "UniswapV2Pair(USDC/WETH)",
  "0x0d4a11d5eeaac28ec3f61d100daf4d40471f1852": "UniswapV2Pair(WETH/USDT)",
  "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640": "UniswapV3Pool(USDC/WETH 0.05%)",
  "0x000000000022d473030f116ddee9f6b43ac78ba3": "Permit2",
};

/** Balance mappings of the tokens whose slots are computed: token address -> [label, mapping slot, variable]. */
export const BALANCE_MAPPINGS: Readonly<Record<string, readonly [string, number, string]>> = {
  "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": ["WETH", 3, "balanceOf"],
  "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": ["USDC", 9, "balances"],
  "0xdac17f958d2ee523a2206206994597c13d831ec7": ["USDT", 2, "balances"],
  "0x6b175474e89094c44da98b954eedeac495271d0f": ["DAI", 2, "balanceOf"],
};

const pad32 = (hex: string) => hex.replace(/^0x/, "").padStart(64, "0");

/** The storage slot of `mapping(address => …)` at `mappingSlot`, for `holder`. */
export function balanceSlot(holder: string, mappingSlot: number): string {
  return keccak256("0x" + pad32(holder.toLowerCase()) + pad32(mappingSlot.toString(16)));
}

/** Hardfork name of a mainnet block, from its number and timestamp. */
export function hardforkOf(number: number, timestamp: number): string {
  const common = new Common({ chain: Mainnet });
  return common.setHardforkBy({ blockNumber: BigInt(number), timestamp: BigInt(timestamp) });
}

/** Addresses in 32-byte calldata words (12 zero bytes, then a non-tiny 20-byte value) after the selector. */
export function calldataAddresses(input: string): string[] {
  const out: string[] = [];
  const body = input.replace(/^0x/, "").slice(8).toLowerCase();
  for (let i = 0; i + 64 <= body.length; i += 64) {
    const w = body.slice(i, i + 64);
    if (!w.startsWith("000000000000000000000000")) continue;
    const a = w.slice(24);
    // small integers (amounts, offsets) are not addresses
    if (/^0{16}/.test(a)) continue;
    out.push("0x" + a);
  }
  return out;
}

/** Contracts recognised by runtime code: keccak256(code) -> label and names of small slots. */
export type KnownCode = Record<string, { label: string; slots: Record<number, string> }>;

export interface TokenCoverage {
  token: string;
  /** Distinct slots of the token the block accessed. */
  accessed: number;
  /** Of those, computed balance-mapping slots of candidate holders. */
  named: number;
  /** Transactions that touched the token. */
  txs: number;
  /** Of those, transactions that touched at least one named balance slot. */
  txsOnNamed: number;
}

/** Names for a block: known accounts, and balance slots of WETH/USDC/USDT/DAI for candidate holders. */
export function mainnetNames(
  block: BlockAccess,
  calldata: readonly string[] = [],
  codeHashes: Readonly<Record<string, string>> = {},
  knownCode: KnownCode = {},
): { names: NonNullable<AccessSetFile["names"]>; coverage: TokenCoverage[] } {
  const candidates = new Set<string>();
  const add = (a: string | null | undefined) => {
    if (a) candidates.add(a.toLowerCase());
  };
  add(block.coinbase);
  for (const tx of block.txs) {
    add(tx.from);
    add(tx.to);
    for (const [a] of tx.accounts.reads) add(a);
    for (const [a] of tx.accounts.writes) add(a);
    for (const [a] of tx.storage.reads) add(a);
    for (const [a] of tx.storage.writes) add(a);
  }
  for (const input of calldata) for (const a of calldataAddresses(input)) add(a);

  const accounts: Record<string, string> = {};
  const slots: Record<string, string> = {};
  const coverage: TokenCoverage[] = [];
  for (const tx of block.txs)
    for (const [a] of [...tx.storage.reads, ...tx.storage.writes]) if (KNOWN_CONTRACTS[a]) accounts[a] = KNOWN_CONTRACTS[a];
  for (const a of candidates) if (KNOWN_CONTRACTS[a]) accounts[a] = KNOWN_CONTRACTS[a];
  // Contracts recognised by code (e.g. every Uniswap V2 pair): label and small-slot names.
  for (const tx of block.txs)
    for (const [a, slot] of [...tx.storage.reads, ...tx.storage.writes]) {
      const known = codeHashes[a] !== undefined ? knownCode[codeHashes[a]] : undefined;
      if (!known) continue;
      const label = KNOWN_CONTRACTS[a] ?? `${known.label}(${a.slice(0, 8)}…${a.slice(-4)})`;
      accounts[a] ??= label;
      const n = BigInt(slot);
      if (n < 256n && known.slots[Number(n)]) slots[`${a}:${slot}`] = `${label}.${known.slots[Number(n)]}`;
    }

  for (const [token, [label, mappingSlot, variable]] of Object.entries(BALANCE_MAPPINGS)) {
    const accessed = new Set<string>();
    const perTx: Set<string>[] = [];
    for (const tx of block.txs) {
      const mine = new Set<string>();
      for (const [a, s] of [...tx.storage.reads, ...tx.storage.writes]) if (a === token) mine.add(s);
      if (mine.size) perTx.push(mine);
      for (const s of mine) accessed.add(s);
    }
    if (accessed.size === 0) continue;
    const named = new Set<string>();
    for (const holder of candidates) {
      const s = balanceSlot(holder, mappingSlot);
      if (accessed.has(s)) {
        named.add(s);
        slots[`${token}:${s}`] = `${label}.${variable}[${holder}]`;
      }
    }
    coverage.push({
      token: label,
      accessed: accessed.size,
      named: named.size,
      txs: perTx.length,
      txsOnNamed: perTx.filter((m) => [...m].some((s) => named.has(s))).length,
    });
  }
  return { names: { accounts, slots }, coverage };
}

/** The block with every account-field access dropped (storage slots only). */
export function storageOnly(block: BlockAccess): BlockAccess {
  return { ...block, txs: block.txs.map((t) => ({ ...t, accounts: { reads: [], writes: [] } })) };
}

export interface StudyBlock {
  number: number;
  hardfork: string;
  txs: number;
  totalGas: number;
  /** Transactions with at least one conflict edge (RAW, WW or WAR) / txs. */
  conflictRate: number;
  /** Transactions with an incoming RAW/WW edge / txs: they must observe an earlier tx's write. */
  dependentRate: number;
  /** Conflict rate counting storage slots only (account balance / nonce / code left out). */
  storageConflictRate: number;
  /** Longest dependency chain (RAW/WW), in transactions. */
  longestChain: number;
  /** Gas of the heaviest RAW/WW dependency path: the analyzer's, and the scheduler DAG's limit at unbounded threads (one dependency definition). */
  criticalPathGas: number;
  hotSlots: HotSlot[];
  coverage: TokenCoverage[];
  /** Per scheduler and thread count: the simulation row. */
  rows: Row[];
}

export interface Study {
  threads: number[];
  schedulers: SchedulerName[];
  blocks: StudyBlock[];
  aggregate: {
    txs: number;
    totalGas: number;
    conflictRate: number;
    dependentRate: number;
    storageConflictRate: number;
    /** Hot slots counting storage only (account fields left out). */
    storageHotSlots: HotSlot[];
    /** Mean over blocks with at least 2 transactions. */
    meanConflictRate: number;
    longestChain: number;
    hotSlots: HotSlot[];
    rows: Row[];
    /** Mean over blocks (with at least 2 txs) of the per-block speedup, per scheduler@threads. */
    meanSpeedup: Record<string, number>;
  };
}

export interface StudyInput {
  file: AccessSetFile;
  /** Raw calldata of the block's transactions, in order (optional; improves slot naming). */
  calldata?: string[];
  /** keccak256 of the runtime code of the pre-state's contracts (optional; for `knownCode`). */
  codeHashes?: Record<string, string>;
}

/** Loads fixtures/mainnet/<n>/access-sets.json.gz (and the calldata from block.json.gz, when present). */
export async function loadStudyBlock(dir: string): Promise<StudyInput> {
  const file = join(dir, "access-sets.json.gz");
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(await readFile(file)).toString("utf8"));
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message} (regenerate it with \`npx hardhat mainnet replay --all --write\`)`);
  }
  const parsed = parseAccessSetFile(json, file);
  let calldata: string[] | undefined;
  try {
    const block = JSON.parse(gunzipSync(await readFile(join(dir, "block.json.gz"))).toString("utf8")) as {
      transactions: { input?: string; data?: string }[];
    };
    calldata = block.transactions.map((t) => t.input ?? t.data ?? "0x");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new InputError(`cannot read ${join(dir, "block.json.gz")}: ${(e as Error).message}`);
  }
  const out: StudyInput = calldata ? { file: parsed, calldata } : { file: parsed };
  try {
    const pre = JSON.parse(gunzipSync(await readFile(join(dir, "pre_state.json.gz"))).toString("utf8")) as Record<
      string,
      { code?: { bytecode: string; original_len: number } | null }
    >;
    out.codeHashes = {};
    for (const [a, acc] of Object.entries(pre))
      if (acc.code) out.codeHashes[a.toLowerCase()] = keccak256(acc.code.bytecode.slice(0, 2 + 2 * acc.code.original_len));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new InputError(`cannot read ${join(dir, "pre_state.json.gz")}: ${(e as Error).message}`);
  }
  return out;
}

/** Runs the analyzer and the scheduler models on every block of every input. */
export function runStudy(
  inputs: readonly StudyInput[],
  opts: { threads?: number[]; schedulers?: SchedulerName[]; topSlots?: number; knownCode?: KnownCode } = {},
): Study {
  const threads = opts.threads ?? [4, 8, 16, 32];
  const schedulers = opts.schedulers ?? ["dag", "block-stm", "locks"];
  const topSlots = opts.topSlots ?? 3;
  const blocks: StudyBlock[] = [];
  const allBlocks: BlockAccess[] = [];
  const allNames: NonNullable<AccessSetFile["names"]> = { accounts: {}, slots: {} };
  for (const input of inputs) {
    for (const block of input.file.blocks) {
      const { names, coverage } = mainnetNames(block, input.calldata ?? [], input.codeHashes ?? {}, opts.knownCode ?? {});
      Object.assign(allNames.accounts!, names.accounts);
      Object.assign(allNames.slots!, names.slots);
      const one: AccessSetFile = { ...input.file, blocks: [block], names };
      // The study tabulates the idealized model; the calibrated predictions of mainnet blocks are bench/calibrate.ts.
      const { analysis: result, simulation: sim } = runPipeline(one, {
        threads,
        schedulers: ["serial", ...schedulers],
        gantt: false,
        topSlots,
        engine: null,
      });
      const b = sim.blocks[0];
      blocks.push({
        number: block.number,
        hardfork: block.timestamp !== undefined ? hardforkOf(block.number, block.timestamp) : "unknown",
        txs: block.txs.length,
        totalGas: result.totalGas,
        conflictRate: result.conflictRate,
        dependentRate: block.txs.length ? result.dependentTxs / block.txs.length : 0,
        storageConflictRate: analyze({ ...one, blocks: [storageOnly(block)] }).result.conflictRate,
        longestChain: result.longestChain.length,
        criticalPathGas: result.criticalPathGas,
        hotSlots: result.hotSlots,
        coverage,
        rows: b.rows.filter((r) => r.scheduler !== "serial"),
      });
      allBlocks.push(block);
    }
  }
  blocks.sort((a, b) => a.number - b.number);
  allBlocks.sort((a, b) => a.number - b.number);
  const all: AccessSetFile = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    source: { kind: "replay", description: "mainnet study", chainId: 1 },
    precision: { reads: "tx", writes: "tx" },
    blocks: allBlocks,
    names: allNames,
  };
  const { result } = analyze(all, { topSlots: 10 });
  const storageResult = analyze({ ...all, blocks: allBlocks.map(storageOnly) }, { topSlots: 15 }).result;
  const sim = simulateFile(all, { threads, schedulers: ["serial", ...schedulers] });
  const multi = blocks.filter((b) => b.txs >= 2);
  const meanSpeedup: Record<string, number> = {};
  for (const s of schedulers)
    for (const t of threads) {
      const v = multi
        .map((b) => b.rows.find((r) => r.scheduler === s && r.threads === t)?.speedup)
        .filter((x): x is number => x !== null && x !== undefined);
      if (v.length) meanSpeedup[`${s}@${t}`] = v.reduce((a, x) => a + x, 0) / v.length;
    }
  return {
    threads,
    schedulers,
    blocks,
    aggregate: {
      txs: result.txs,
      totalGas: result.totalGas,
      conflictRate: result.conflictRate,
      dependentRate: result.txs ? result.dependentTxs / result.txs : 0,
      storageConflictRate: storageResult.conflictRate,
      storageHotSlots: storageResult.hotSlots,
      meanConflictRate: multi.length ? multi.reduce((a, b) => a + b.conflictRate, 0) / multi.length : 0,
      longestChain: result.longestChain.length,
      hotSlots: result.hotSlots,
      rows: sim.aggregate.filter((r) => r.scheduler !== "serial"),
      meanSpeedup,
    },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fx = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : `${x.toFixed(2)}x`);
const short = (a: string) => `${a.slice(0, 8)}…${a.slice(-4)}`;

/** A hot slot as `name` or `label:slot` / `address:slot`. */
export function slotLabel(h: HotSlot, accounts: Record<string, string> = KNOWN_CONTRACTS): string {
  if (h.name) return h.name.replace(/\[(0x[0-9a-f]{40})\]/, (_, a: string) => `[${accounts[a] ?? short(a)}]`);
  const acct = accounts[h.account] ?? short(h.account);
  if (!h.slot.startsWith("0x")) return `${acct}.${h.slot}`;
  const s = BigInt(h.slot);
  return `${acct}:${s < 1024n ? `slot ${s}` : short(h.slot)}`;
}

function speed(rows: readonly Row[], s: SchedulerName, t: number): number | null | undefined {
  return rows.find((r) => r.scheduler === s && r.threads === t)?.speedup;
}

/** Markdown tables: per block, and the aggregate. */
export function renderStudyTables(study: Study): string {
  const out: string[] = [];
  const spHead = study.schedulers.flatMap((s) => study.threads.map((t) => `${s} ${t}`));
  out.push(
    `| block | hardfork | txs | gas (M) | conflict rate | storage-only conflict rate | dependent (RAW/WW) | longest chain (RAW/WW) | critical path / gas | hottest slots (txs serialized) | ${spHead.join(" | ")} |`,
  );
  out.push(`|---:|---|---:|---:|---:|---:|---:|---:|---:|---|${spHead.map(() => "---:").join("|")}|`);
  for (const b of study.blocks) {
    const hot =
      b.hotSlots
        .filter((h) => h.serialized > 0)
        .map((h) => `${slotLabel(h)} (${h.serialized})`)
        .join("; ") || "none";
    const sp = study.schedulers.flatMap((s) => study.threads.map((t) => fx(speed(b.rows, s, t))));
    out.push(
      `| ${b.number} | ${b.hardfork} | ${b.txs} | ${(b.totalGas / 1e6).toFixed(2)} | ${pct(b.conflictRate)} | ${pct(b.storageConflictRate)} | ${pct(b.dependentRate)} | ${b.longestChain} | ${b.totalGas ? pct(b.criticalPathGas / b.totalGas) : "n/a"} | ${hot} | ${sp.join(" | ")} |`,
    );
  }
  const a = study.aggregate;
  out.push("");
  out.push("Aggregate (blocks run one after another: speedup = total serial gas / total makespan):");
  out.push("");
  out.push(
    `| scheduler | ${study.threads.map((t) => `${t} threads`).join(" | ")} | mean of per-block speedups at ${study.threads.map((t) => t).join(" / ")} |`,
  );
  out.push(`|---|${study.threads.map(() => "---:").join("|")}|---|`);
  for (const s of study.schedulers) {
    out.push(
      `| ${s} | ${study.threads.map((t) => fx(speed(a.rows, s, t))).join(" | ")} | ${study.threads.map((t) => fx(a.meanSpeedup[`${s}@${t}`])).join(" / ")} |`,
    );
  }
  return out.join("\n");
}
