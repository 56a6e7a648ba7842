/**
 * Calibrates the engine profiles (src/schedule/engines/*.json) against pevm's measurements
 * (fixtures/pevm/{current,earlier}.json, copied from pevm's benchmark READMEs) and writes
 * bench/results/calibration.md with the per-block table and the error summaries.
 *   node --import tsx bench/calibrate.ts        (or: npx hardhat run bench/calibrate.ts)
 *
 * Split rule, per table: the table's shipped blocks sorted by number; positions 0, 2, 4, ...
 * are fitting blocks, positions 1, 3, 5, ... validation blocks. Nothing of a validation block
 * (sequential time, parallel time, speedup) enters a fit. Fitted on: the fitting blocks'
 * sequential times and speedups, and the table's three gigagas blocks. The Block-STM paper's
 * peer-to-peer shape is checked afterwards (not fitted).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { BlockAccess, TxAccess } from "../src/access/format.js";
import { writeFileAtomic } from "../src/access/io.js";
import {
  engineBlock,
  factsFromFile,
  PARAM_NAMES,
  predictEngineBlock,
  profileUrl,
  type BlockFacts,
  type EngineBlock,
  type EngineProfile,
  type ParamName,
  type ParamValues,
  type TxFeatures,
} from "../src/schedule/cost-model.js";
import { p2pBlock, prepareBlock, simulateBlockStm } from "../src/schedule/index.js";
import { loadStudyBlock } from "../src/study/mainnet.js";

const COMMAND = "node --import tsx bench/calibrate.ts";
const SEARCH_SCALE = 10;
const t0 = performance.now();

interface Measured {
  block: number;
  txs: number;
  gas: number;
  sequentialUs: number;
  parallelUs: number;
  speedup: number;
}
interface Gigagas {
  workload: string;
  txs: number;
  gas: number;
  sequentialUs: number;
  parallelUs: number;
  speedup: number;
}
interface Table {
  table: string;
  source: string;
  hardware: string;
  concurrency: number;
  blocks: Measured[];
  gigagas: { note: string; blocks: Gigagas[] };
}

/** What is known about each profile before fitting: engine facts with their sources. */
const PROFILES: {
  name: string;
  file: string;
  description: string;
  engine: EngineProfile["engine"];
  fallback: EngineProfile["fallback"];
  lazy: EngineProfile["lazy"];
}[] = [
  {
    name: "pevm-graviton3-c12",
    file: "fixtures/pevm/current.json",
    description:
      "pevm's current engine on an AWS c7g.8xlarge (Graviton3, 2.6 GHz) at concurrency 12: the table of pevm's benchmark README at commit 9cbd856",
    engine: {
      name: "pevm",
      repository: "risechain/pevm",
      commit: "9cbd856",
      source: "crates/pevm/benches/README.md (measurements); crates/pevm/src/pevm.rs, vm.rs (behaviour)",
    },
    fallback: {
      minTxs: 12,
      minGas: 4_000_000,
      selfDestructRead: true,
      provenance:
        "pevm.rs (Pevm::execute): a block runs sequentially when it has fewer txs than the concurrency level or used under 4,000,000 gas; vm.rs: reading a self-destructed account aborts the parallel run (FallbackToSequential) and the block is re-run sequentially. Read in risechain/pevm at commit 0aa9f91; every block of the current table the rule sends to sequential measured 1.00x.",
    },
    lazy: {
      beneficiary: true,
      rawTransfers: true,
      provenance:
        "vm.rs: the beneficiary's fee credits are lazy; value transfers to an account without code update the sender (balance, nonce) and recipient (balance) lazily (LazySender/LazyRecipient, evaluated after the run). pevm only does so when the sender or recipient already has an entry in the multi-version memory; the model makes every raw transfer lazy, which changes no dependency when neither has one.",
    },
  },
  {
    name: "pevm-i9-12900k-c8",
    file: "fixtures/pevm/earlier.json",
    description:
      "pevm's earlier engine on an Intel i9-12900K (5.2 GHz) at concurrency 8: the table of pevm's benchmark README at commit 03cb4c7",
    engine: { name: "pevm (earlier engine)", repository: "risechain/pevm", commit: "03cb4c7", source: "benches/README.md (measurements)" },
    fallback: {
      minTxs: 2,
      minGas: 378_000,
      selfDestructRead: false,
      provenance:
        "pevm's benchmark README, as copied into fixtures/pevm/earlier.json (its note): blocks with fewer than two txs or under 378,000 gas fall back to sequential; the table's small blocks (3 txs, 9 txs) measured slowdowns, so this engine had no larger threshold. Self-destruct fallback unknown for this engine: off.",
    },
    lazy: {
      beneficiary: true,
      rawTransfers: false,
      provenance:
        "the earlier engine updates only the beneficiary lazily (its source comments the wish to generalize the beneficiary's lazy update to other accounts); raw transfers are ordinary reads and writes. Block 12,520,364 (650 of 660 txs sent by the fee recipient) measured 0.84x here against 1.66x on the current engine.",
    },
  },
];

/** Documentation of every parameter (the profile files carry it with the fitted value). */
const PARAM_DOCS: Record<ParamName, { unit: string; doc: string }> = {
  seqPerTx: { unit: "µs", doc: "sequential time per transaction, fixed part" },
  seqPerKGas: { unit: "µs per 1000 gas", doc: "sequential time per 1000 gas used" },
  seqPerStorageRead: { unit: "µs", doc: "sequential time per storage read (SLOAD of a distinct slot)" },
  seqPerStorageWrite: { unit: "µs", doc: "sequential time per storage slot written" },
  seqPerAccount: { unit: "µs", doc: "sequential time per distinct account touched (fee recipient left out)" },
  execScale: {
    unit: "ratio",
    doc: "time of a parallel execution per unit of the tx's sequential time (below 1 when a thread executes faster than the sequential run: the measured 22.1x of 6,413 Uniswap swaps on 12 threads needs it)",
  },
  execFixed: { unit: "µs", doc: "fixed time added to every parallel execution, re-executions included (VM set-up, scheduler calls)" },
  execPerAccess: { unit: "µs", doc: "time per read and per written location of every parallel execution (multi-version memory)" },
  validationPerRead: { unit: "µs", doc: "validation time per read location" },
  suspendFraction: { unit: "ratio", doc: "share of an execution spent before it is suspended on an ESTIMATE" },
  suspendFixed: { unit: "µs", doc: "fixed time of a suspension on an ESTIMATE (dependency registered, thread released, tx woken later)" },
  threadStart: { unit: "µs", doc: "spawn time of one worker thread: thread k starts at (k + 1) * threadStart" },
  commitPerTx: { unit: "µs", doc: "serial time per transaction after the threads join (results in block order, lazy accounts evaluated)" },
};
const SEQ: ParamName[] = ["seqPerTx", "seqPerKGas", "seqPerStorageRead", "seqPerStorageWrite", "seqPerAccount"];
const PAR: ParamName[] = [
  "execScale",
  "execFixed",
  "execPerAccess",
  "validationPerRead",
  "suspendFraction",
  "suspendFixed",
  "threadStart",
  "commitPerTx",
];

// ---- Data.
const facts = JSON.parse(gunzipSync(readFileSync("fixtures/pevm/block-facts.json.gz")).toString("utf8")) as unknown;
const blockCache = new Map<number, BlockAccess>();
async function loadBlock(n: number): Promise<BlockAccess> {
  let b = blockCache.get(n);
  if (!b) {
    b = (await loadStudyBlock(`fixtures/mainnet/${n}`)).file.blocks[0];
    blockCache.set(n, b);
  }
  return b;
}
function blockFactsOf(b: BlockAccess): BlockFacts {
  const f = factsFromFile(facts, b);
  if (!f)
    throw new Error(`fixtures/pevm/block-facts.json.gz has no facts for block ${b.number}: run node --import tsx bench/block-features.ts`);
  return f;
}

// ---- Synthetic gigagas blocks: independent txs, one sender and one recipient each.
const addr = (k: number) => "0x" + k.toString(16).padStart(40, "0");
const slot = (k: number) => "0x" + k.toString(16).padStart(64, "0");
const GIGA_COINBASE = addr(0xc0ffee);
/**
 * What one tx of each gigagas block does (assumed from the workload's description; gas per tx
 * = 1e9 / txs): a raw transfer touches its sender and recipient; an ERC-20 transfer reads and
 * writes two balance slots of one token; a Uniswap swap reads 12 and writes 7 slots of its own
 * pair and two tokens (reserves, balances, price accumulators).
 */
function gigagasBlock(g: Gigagas): { block: BlockAccess; facts: BlockFacts } {
  const gas = Math.round(g.gas / g.txs);
  const kind = g.workload.startsWith("raw") ? "raw" : g.workload.startsWith("ERC") ? "erc20" : "swap";
  const txs: TxAccess[] = [];
  for (let i = 0; i < g.txs; i++) {
    const from = addr(0x100000 + 2 * i);
    const to = kind === "raw" ? addr(0x100001 + 2 * i) : kind === "erc20" ? addr(0x7000) : addr(0x200000 + 3 * i);
    const storage: TxAccess["storage"] = { reads: [], writes: [] };
    const reads: TxAccess["accounts"]["reads"] = [
      [from, "balance"],
      [from, "nonce"],
      [to, "code"],
    ];
    const writes: TxAccess["accounts"]["writes"] = [
      [from, "balance"],
      [from, "nonce"],
      [GIGA_COINBASE, "balance"],
    ];
    if (kind === "raw") writes.push([to, "balance"]);
    else if (kind === "erc20") {
      storage.reads.push([to, slot(0x10000 + 2 * i)], [to, slot(0x10001 + 2 * i)]);
      storage.writes.push([to, slot(0x10000 + 2 * i)], [to, slot(0x10001 + 2 * i)]);
    } else {
      const t0 = addr(0x200001 + 3 * i);
      const t1 = addr(0x200002 + 3 * i);
      reads.push([t0, "code"], [t1, "code"]);
      for (let k = 0; k < 8; k++) storage.reads.push([to, slot(k)]);
      storage.reads.push([t0, slot(1)], [t0, slot(2)], [t1, slot(1)], [t1, slot(2)]);
      for (let k = 0; k < 3; k++) storage.writes.push([to, slot(k)]);
      storage.writes.push([t0, slot(1)], [t0, slot(2)], [t1, slot(1)], [t1, slot(2)]);
    }
    txs.push({
      index: i,
      hash: null,
      from,
      to,
      selector: kind === "raw" ? null : "0x00000000",
      gasUsed: gas,
      storage,
      accounts: { reads, writes },
    });
  }
  return {
    block: { number: 0, hash: null, coinbase: GIGA_COINBASE, txs },
    facts: { rawTransfer: txs.map(() => kind === "raw"), selfDestructReads: [] },
  };
}

// ---- Fitting tools.
/** Non-negative least squares on relative errors (coordinate descent): min sum ((x.b - y) / y)^2, b >= 0. */
function nnlsRelative(X: number[][], y: number[]): number[] {
  const m = X[0].length;
  const b = new Array<number>(m).fill(0);
  const w = y.map((v) => 1 / (v * v));
  for (let round = 0; round < 20000; round++) {
    let change = 0;
    for (let k = 0; k < m; k++) {
      let num = 0;
      let den = 0;
      for (let j = 0; j < y.length; j++) {
        const xjk = X[j][k];
        if (xjk === 0) continue;
        let pred = 0;
        for (let q = 0; q < m; q++) pred += X[j][q] * b[q];
        num += w[j] * xjk * (y[j] - pred);
        den += w[j] * xjk * xjk;
      }
      if (den === 0) continue;
      const nb = Math.max(0, b[k] + num / den);
      change = Math.max(change, Math.abs(nb - b[k]) / (Math.abs(b[k]) + 1e-9));
      b[k] = nb;
    }
    if (change < 1e-9) break;
  }
  return b;
}

/** Nelder-Mead minimization. */
function nelderMead(f: (x: number[]) => number, x0: number[], step: number, iters: number): { x: number[]; fx: number } {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, fx: f(x) }));
  for (let it = 0; it < iters; it++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0];
    const worst = simplex[n];
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const at = (t: number) => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const r = at(-1);
    const fr = f(r);
    if (fr < best.fx) {
      const e = at(-2);
      const fe = f(e);
      simplex[n] = fe < fr ? { x: e, fx: fe } : { x: r, fx: fr };
    } else if (fr < simplex[n - 1].fx) simplex[n] = { x: r, fx: fr };
    else {
      const c = at(0.5);
      const fc = f(c);
      if (fc < worst.fx) simplex[n] = { x: c, fx: fc };
      else
        simplex = simplex
          .map((p, k) => (k === 0 ? p : { x: p.x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j])), fx: 0 }))
          .map((p, k) => (k === 0 ? p : { x: p.x, fx: f(p.x) }));
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0];
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Right side of 1.0x: both speedups (> 1.05), both slowdowns (< 0.95), or both within 5% of 1.0x. */
const side = (x: number) => (x > 1.05 ? 1 : x < 0.95 ? -1 : 0);
const fmt = (x: number, d = 2) => x.toFixed(d);

function featureVector(f: TxFeatures): number[] {
  return [1, f.gas / 1000, f.storageReads, f.storageWrites, f.accounts];
}

interface Row {
  block: number;
  set: "fit" | "val";
  txs: number;
  gas: number;
  measured: number;
  calibrated: number;
  idealized: number;
  /** The idealized model with balance credits commutative (the dependency rule before a7cdda0). */
  idealizedCredits: number;
  seqMeasured: number;
  seqPredicted: number;
  fallback: string | null;
}

const out: string[] = [];
const summaryLines: string[] = [];

for (const prof of PROFILES) {
  const table = JSON.parse(readFileSync(prof.file, "utf8")) as Table;
  const threads = table.concurrency;
  const sorted = [...table.blocks].sort((a, b) => a.block - b.block);
  const fitSet = sorted.filter((_, i) => i % 2 === 0);
  const valSet = sorted.filter((_, i) => i % 2 === 1);
  const profile: EngineProfile = {
    name: prof.name,
    description: prof.description,
    engine: prof.engine,
    hardware: table.hardware,
    threads,
    fallback: prof.fallback,
    lazy: prof.lazy,
    params: {} as EngineProfile["params"],
    fit: {
      command: COMMAND,
      rule: "the table's shipped blocks sorted by number: even positions (0, 2, ...) fit, odd positions validate; validation blocks never enter a fit",
      fitting: fitSet.map((b) => b.block),
      validation: valSet.map((b) => b.block),
      objective:
        "sequential parameters: non-negative least squares of relative error on the fitting blocks' and gigagas blocks' sequential times; parallel parameters: Nelder-Mead (log space) on mean |ln(predicted / measured speedup)| over the fitting blocks that run in parallel plus the same over the gigagas blocks",
    },
  };
  for (const k of PARAM_NAMES) profile.params[k] = { value: 0, unit: PARAM_DOCS[k].unit, doc: PARAM_DOCS[k].doc, provenance: "" };

  // Engine blocks for every table block (the relaxation does not depend on parameters).
  const eb = new Map<number, EngineBlock>();
  for (const m of sorted) {
    const b = await loadBlock(m.block);
    if (b.txs.length !== m.txs) throw new Error(`block ${m.block}: ${b.txs.length} txs in the replay, ${m.txs} in ${prof.file}`);
    eb.set(m.block, engineBlock(b, profile, blockFactsOf(b)));
  }
  const giga = table.gigagas.blocks.map((g) => {
    const { block, facts: f } = gigagasBlock(g);
    // The search simulates a tenth of the block with a tenth of the thread-start term: a
    // conflict-free block's makespan is linear in its txs apart from thread start. The
    // reported figures simulate the whole block.
    const small = gigagasBlock({ ...g, txs: Math.round(g.txs / SEARCH_SCALE), gas: g.gas / SEARCH_SCALE });
    return { g, eb: engineBlock(block, profile, f), small: engineBlock(small.block, profile, small.facts) };
  });

  // 1. Sequential parameters.
  const X: number[][] = [];
  const y: number[] = [];
  for (const m of fitSet) {
    if (m.txs === 0) continue;
    const v = new Array<number>(SEQ.length).fill(0);
    for (const f of eb.get(m.block)!.features) featureVector(f).forEach((x, k) => (v[k] += x));
    X.push(v);
    y.push(m.sequentialUs);
  }
  for (const { g, eb: e } of giga) {
    const v = featureVector(e.features[0]).map((x) => x * g.txs);
    X.push(v);
    y.push(g.sequentialUs);
  }
  const beta = nnlsRelative(X, y);
  const values = {} as ParamValues;
  SEQ.forEach((k, i) => (values[k] = beta[i]));

  // 2. Parallel parameters.
  const parFit = fitSet.filter((m) => eb.get(m.block)!.prepared !== null);
  const objective = (x: number[]): number => {
    PAR.forEach((k, i) => (values[k] = Math.exp(x[i])));
    let sb = 0;
    for (const m of parFit) sb += Math.abs(Math.log(predictEngineBlock(eb.get(m.block)!, profile, values, threads).speedup / m.speedup));
    let sg = 0;
    const scaled = { ...values, threadStart: values.threadStart / SEARCH_SCALE };
    for (const { g, small } of giga) sg += Math.abs(Math.log(predictEngineBlock(small, profile, scaled, threads).speedup / g.speedup));
    return sb / Math.max(1, parFit.length) + sg / giga.length;
  };
  // Start: execution as fast as sequential, 1 µs per tx of overheads, 20 µs per thread spawn.
  const x0 = [Math.log(1), Math.log(1), Math.log(0.05), Math.log(0.05), Math.log(0.05), Math.log(0.5), Math.log(20), Math.log(1)];
  let best = nelderMead(objective, x0, 1, 200);
  best = nelderMead(objective, best.x, 0.3, 150);
  PAR.forEach((k, i) => (values[k] = Math.exp(best.x[i])));
  const objectiveValue = best.fx;
  for (const k of PARAM_NAMES) {
    profile.params[k].value = Number(values[k].toPrecision(4));
    profile.params[k].provenance = SEQ.includes(k)
      ? `fitted by bench/calibrate.ts on the sequential times of ${prof.file}'s fitting blocks and gigagas blocks`
      : `fitted by bench/calibrate.ts on the speedups of ${prof.file}'s fitting blocks and gigagas blocks`;
  }
  const fitted = {} as ParamValues;
  for (const k of PARAM_NAMES) fitted[k] = profile.params[k].value;

  // 3. Evaluate every block, calibrated and idealized.
  const rows: Row[] = [];
  for (const m of sorted) {
    const b = await loadBlock(m.block);
    const e = eb.get(m.block)!;
    const pred = predictEngineBlock(e, profile, fitted, threads);
    const ideal = b.txs.length === 0 ? null : simulateBlockStm(prepareBlock(b), { threads });
    const idealCredits =
      b.txs.length === 0 ? null : simulateBlockStm(prepareBlock(b, { dependency: { credits: "commutative" } }), { threads });
    rows.push({
      block: m.block,
      set: fitSet.includes(m) ? "fit" : "val",
      txs: m.txs,
      gas: m.gas,
      measured: m.speedup,
      calibrated: pred.speedup,
      idealized: ideal ? (ideal.makespan > 0 ? ideal.work / ideal.makespan : 1) : 1,
      idealizedCredits: idealCredits ? (idealCredits.makespan > 0 ? idealCredits.work / idealCredits.makespan : 1) : 1,
      seqMeasured: m.sequentialUs,
      seqPredicted: pred.sequential,
      fallback: pred.fallback,
    });
  }
  const gigaRows = giga.map(({ g, eb: e }) => {
    const pred = predictEngineBlock(e, profile, fitted, threads);
    const ideal = simulateBlockStm(prepareBlock(gigagasBlock(g).block), { threads });
    return { g, pred, ideal: ideal.work / ideal.makespan };
  });

  // 4. The Block-STM paper's p2p shape under this profile's overheads (lazy raw transfers off:
  // the paper's Block-STM has none; 10,000 txs, 2..1000 accounts).
  const p2pProfile: EngineProfile = {
    ...profile,
    lazy: { ...profile.lazy, rawTransfers: false },
    fallback: { ...profile.fallback, minTxs: 2, minGas: 0 },
  };
  const p2pThreads = [1, 2, 4, 8, 16, 32];
  const p2pRows: string[] = [];
  const p2pGrid: number[][] = [];
  for (const accounts of [2, 10, 100, 1000]) {
    const e = engineBlock(p2pBlock(10000, accounts, 42), p2pProfile);
    const sp = p2pThreads.map((t) => predictEngineBlock(e, p2pProfile, fitted, t).speedup);
    p2pGrid.push(sp);
    p2pRows.push(`| ${accounts} | ${sp.map((s) => `${fmt(s)}x`).join(" | ")} |`);
  }
  const growsWithAccounts = p2pThreads.every((_, k) => p2pGrid.every((r, a) => a === 0 || r[k] >= p2pGrid[a - 1][k] * 0.98));
  const growsWithThreads = p2pGrid.slice(1).every((r) => r.every((s, k) => k === 0 || s >= r[k - 1] * 0.98 || k >= 4));
  const saturates2 = Math.max(...p2pGrid[0]) < 2;

  // ---- Report.
  const summarize = (set: Row[]) => {
    const err = set.map((r) => Math.abs(r.calibrated - r.measured) / r.measured);
    const errIdeal = set.map((r) => Math.abs(r.idealized - r.measured) / r.measured);
    const right = set.filter((r) => side(r.calibrated) === side(r.measured)).length;
    const rightIdeal = set.filter((r) => side(r.idealized) === side(r.measured)).length;
    const errCredits = set.map((r) => Math.abs(r.idealizedCredits - r.measured) / r.measured);
    return {
      n: set.length,
      med: median(err) * 100,
      right,
      rightIdeal,
      medIdeal: median(errIdeal) * 100,
      medCredits: median(errCredits) * 100,
    };
  };
  out.push(`## ${profile.name}: ${table.hardware}, concurrency ${threads}`, "");
  out.push(`Measurements: ${table.source} (${prof.file}). ${profile.description}.`, "");
  out.push(
    "| block | set | txs | gas | measured | predicted (calibrated) | predicted (idealized) | error | engine run | idealized, credits commutative |",
  );
  out.push("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|");
  for (const r of rows) {
    out.push(
      `| ${r.block} | ${r.set === "fit" ? "fitting" : "validation"} | ${r.txs} | ${r.gas.toLocaleString("en-US")} | ${fmt(r.measured)}x | ${fmt(r.calibrated)}x | ${fmt(r.idealized)}x | ${r.calibrated >= r.measured ? "+" : ""}${fmt(((r.calibrated - r.measured) / r.measured) * 100, 0)}% | ${r.fallback ?? "parallel"} | ${fmt(r.idealizedCredits)}x |`,
    );
  }
  out.push("");
  out.push(
    "| set | blocks | median abs error (calibrated) | right side of 1.0x (calibrated) | median abs error (idealized) | right side (idealized) | median abs error (idealized, credits commutative) |",
  );
  out.push("|---|---:|---:|---:|---:|---:|---:|");
  for (const [label, set] of [
    ["fitting, all", rows.filter((r) => r.set === "fit")],
    ["validation, all", rows.filter((r) => r.set === "val")],
    [
      "fitting, run in parallel by the engine",
      rows.filter((r) => r.set === "fit" && (r.fallback === null || r.fallback.startsWith("parallel"))),
    ],
    [
      "validation, run in parallel by the engine",
      rows.filter((r) => r.set === "val" && (r.fallback === null || r.fallback.startsWith("parallel"))),
    ],
  ] as const) {
    const s = summarize(set as Row[]);
    out.push(
      `| ${label} | ${s.n} | ${fmt(s.med, 1)}% | ${s.right} of ${s.n} (${fmt((s.right / s.n) * 100, 0)}%) | ${fmt(s.medIdeal, 1)}% | ${s.rightIdeal} of ${s.n} | ${fmt(s.medCredits, 1)}% |`,
    );
    if (label === "validation, all")
      profile.fit.validationSummary = `median abs error ${fmt(s.med, 1)}% of the measured speedup, right side of 1.0x on ${s.right} of ${s.n} held-back blocks`;
    if (label === "validation, run in parallel by the engine")
      profile.fit.validationSummary += `; on the ${s.n} of them the engine runs in parallel: ${fmt(s.med, 1)}%, right side on ${s.right} (bench/results/calibration.md)`;
    if (label === "validation, all")
      summaryLines.push(
        `- ${profile.name}: validation median abs error ${fmt(s.med, 1)}% (idealized ${fmt(s.medIdeal, 1)}%), right side of 1.0x ${s.right} of ${s.n} (${fmt((s.right / s.n) * 100, 0)}%)`,
      );
    if (label === "validation, run in parallel by the engine")
      summaryLines.push(
        `  (validation blocks the engine runs in parallel: median abs error ${fmt(s.med, 1)}%, right side ${s.right} of ${s.n})`,
      );
  }
  const seqErr = rows.filter((r) => r.txs > 0).map((r) => ({ set: r.set, e: Math.abs(r.seqPredicted - r.seqMeasured) / r.seqMeasured }));
  out.push("");
  out.push(
    `Sequential time model: median abs error ${fmt(median(seqErr.filter((r) => r.set === "fit").map((r) => r.e)) * 100, 0)}% on fitting blocks, ${fmt(median(seqErr.filter((r) => r.set === "val").map((r) => r.e)) * 100, 0)}% on validation blocks (per-block sequential µs, measured vs predicted).`,
  );
  out.push("");
  out.push("Gigagas blocks (1e9 gas of independent txs; synthetic access sets as described in bench/calibrate.ts):", "");
  out.push("| workload | txs | measured | predicted (calibrated) | error | predicted (idealized) |");
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const { g, pred, ideal } of gigaRows) {
    const e = (pred.speedup - g.speedup) / g.speedup;
    out.push(
      `| ${g.workload} | ${g.txs.toLocaleString("en-US")} | ${fmt(g.speedup)}x | ${fmt(pred.speedup)}x | ${e >= 0 ? "+" : ""}${fmt(e * 100, 0)}% | ${fmt(ideal)}x |`,
    );
    summaryLines.push(
      `  gigagas ${g.workload}: measured ${fmt(g.speedup)}x, predicted ${fmt(pred.speedup)}x (${e >= 0 ? "+" : ""}${fmt(e * 100, 0)}%)`,
    );
  }
  const erc = table.gigagas.blocks.find((g) => g.workload.startsWith("ERC"));
  const swap = table.gigagas.blocks.find((g) => g.workload.startsWith("Uniswap"));
  if (erc && swap) {
    // Arithmetic on the measured figures alone (no model): per-tx sequential time, per-tx thread
    // time of the parallel run (parallel time x threads / txs, an upper bound of one execution).
    const seqTx = (g: Gigagas) => g.sequentialUs / g.txs;
    const parTx = (g: Gigagas) => (g.parallelUs * threads) / g.txs;
    const marginal = (seqTx(swap) - seqTx(erc)) / (parTx(swap) - parTx(erc));
    out.push(
      "",
      `Uniswap swaps, from the measured figures alone: ${fmt(seqTx(swap), 1)} µs per swap sequentially, at most ${fmt(parTx(swap), 1)} µs of thread time per swap in the parallel run (${fmt(swap.parallelUs / 1000, 3)} ms x ${threads} threads / ${swap.txs} txs): every parallel execution took at most ${fmt(parTx(swap) / seqTx(swap), 3)} of its sequential time, so this model (execution = execScale x sequential time + non-negative overheads) needs execScale <= ${fmt(threads / swap.speedup, 3)} for it. ` +
        `Against the ERC-20 block of the same table (${fmt(seqTx(erc), 2)} µs sequential, at most ${fmt(parTx(erc), 1)} µs of thread time per tx), a swap costs ${fmt(seqTx(swap) - seqTx(erc), 1)} µs more sequentially but at most ${fmt(parTx(swap) - parTx(erc), 1)} µs more in parallel: the swap's extra work ran ${fmt(marginal, 2)}x faster in the parallel run than in the sequential one.`,
    );
  }
  out.push("");
  out.push("Fitted parameters (also in " + `src/schedule/engines/${profile.name}.json` + "):", "");
  out.push("| parameter | value | unit | meaning |", "|---|---:|---|---|");
  for (const k of PARAM_NAMES) out.push(`| ${k} | ${profile.params[k].value} | ${profile.params[k].unit} | ${profile.params[k].doc} |`);
  out.push("", `Objective at the optimum: ${fmt(objectiveValue, 3)} (mean |ln(predicted/measured)|, blocks + gigagas).`, "");
  out.push(`Block-STM paper p2p shape under this profile's overheads (10,000 transfers, lazy raw transfers off, no size fallback):`, "");
  out.push(
    `| accounts | ${p2pThreads.map((t) => `${t} thr`).join(" | ")} |`,
    `|---:|${p2pThreads.map(() => "---:").join("|")}|`,
    ...p2pRows,
    "",
  );
  out.push(
    `Shape: grows with accounts at every thread count: ${growsWithAccounts ? "yes" : "NO"}; grows with threads up to 8 for 10+ accounts: ${growsWithThreads ? "yes" : "NO"}; 2 accounts saturate below 2x: ${saturates2 ? "yes" : "NO"}.`,
    "",
  );
  summaryLines.push(
    `  p2p shape: accounts ${growsWithAccounts ? "yes" : "NO"}, threads ${growsWithThreads ? "yes" : "NO"}, 2-account saturation ${saturates2 ? "yes" : "NO"}`,
  );

  await writeFileAtomic(fileURLToPath(profileUrl(profile.name)), JSON.stringify(profile, null, 2) + "\n");
  console.log(`${profile.name}: fitted (objective ${fmt(objectiveValue, 3)})`);
}

/**
 * What was tried, with the figures of the run at each commit (each commit's calibration.md holds
 * the full tables). Kept only when it improved the held-back blocks of one table without
 * worsening the other's.
 */
const NOTES = [
  "## What was tried",
  "",
  "Baseline (main at 2fade7c): current table 11.3% median abs error on the held-back blocks (21.6% on the 18 run in parallel), right side 23 of 25; earlier table 32.5%, 12 of 14. Sequential time model: median error 34% (current) and 51% (earlier) on held-back blocks.",
  "",
  "| try | what | current: error, right side (run in parallel) | earlier: error, right side | sequential error (held back) current / earlier | kept |",
  "|---|---|---|---|---|---|",
  "| storage scale (previous session, 8ce1b7b) | a parallel execution scales storage time apart from the rest | 24.2% on the parallel ones | 38.4%, 11 of 14 | unchanged | no |",
  "| 1 (5060334) | sequential time also counts inner call frames, KB of code of the frames, gas spent in precompiles (per tx, from the replay's EVM message events, bench/block-ops.ts at that commit) | 10.1%, 22 of 25 (16.0%, 15 of 18) | 36.2%, 11 of 14 | 10% / 13% | no: the earlier table got worse |",
  "| 2 (this run) | the engine's read set is the dependency model's: a write implies a read (revm loads an account or slot before it writes it), instead of observed reads only | see Summary | see Summary | as baseline | yes: both tables improved |",
  "| 1 + 2 (6aa3db9) | both | 7.5%, 22 of 25 (11.9%, 15 of 18) | 14.7%, 12 of 14 | 10% / 13% | no: worse than 2 alone on the current table |",
  "",
  "Why the earlier table's sequential times were off: gas and access counts miss per-call and per-code",
  "costs and precompiles. The 2016 block 2,462,997 makes 1,935 call frames in 9 txs (484,186 gas, 1.8 ms on",
  "the i9); per-block sequential time ran 0.53x to 1.78x the current table's for the same block. With frames,",
  "frame code and precompile gas the sequential model falls to 10-13% median error on both tables (try 1),",
  "but the speedups did not follow: the i9 fit put 1.0 µs on each KB of frame code (0.30 on Graviton3),",
  "and the parallel parameters re-fitted around it overshot the held-back blocks. Sequential time is",
  "the numerator and, scaled, the parallel work; its error mostly cancels in the speedup.",
  "",
  "Why try 2 helps the earlier engine: it has no lazy raw transfers, so a value transfer reads the",
  "recipient's balance. With observed reads only, the 1,197 credits to one account in 14,396,881 and",
  "the 934 to one account in 13,217,637 were blind writes that never conflict: predicted 1.59x and 2.08x,",
  "measured 0.77x and 1.53x. Reading what it writes, the chain comes back (see the table below).",
  "",
  "## Why the idealized column moved (226% -> 60.3% on the current table's held-back blocks)",
  "",
  "The one dependency definition (a7cdda0, src/model/dependency.ts, merged with 0cc6305) made a balance",
  'credit without a read read-modify-write by default (`credits: "read-modify-write"`: a write implies a',
  "read); before, prepareBlock kept observed reads only, so credits to one account were independent. Those",
  "chains are long in the blocks that moved: 14,396,881 sends 1,197 of its 1,346 txs to one account, 13,217,637",
  '934 of 1,100 to another. The column "idealized, credits commutative" is the same model with the old rule',
  '(`prepareBlock(b, { dependency: { credits: "commutative" } })`): it gives the old figures exactly (14,396,881:',
  "10.46x, 13,217,637: 9.90x, 3,356,896: 7.53x at 12 threads, as b729eb7's code gives them).",
  "",
];

const elapsed = ((performance.now() - t0) / 1000).toFixed(0);
const md = [
  "# Calibration: predicted speedups against pevm's measurements",
  "",
  `Command: \`${COMMAND}\` (${elapsed} s on the shared 2-core machine). It fits each engine profile`,
  "(src/schedule/engines/*.json) and writes this file. Model: src/schedule/cost-model.ts,",
  'docs/schedulers.md "Calibration". Measurements: fixtures/pevm/ (copied from pevm\'s benchmark',
  "READMEs with their commit, hardware and concurrency). Per-tx features and dependencies come",
  "from the project's replay (fixtures/mainnet/<n>/access-sets.json.gz) and",
  "fixtures/pevm/block-facts.json.gz (`node --import tsx bench/block-features.ts`).",
  "",
  "Split rule (each table): its blocks sorted by number; even positions fit, odd positions",
  'validate. Nothing of a validation block enters a fit. "idealized" is today\'s model (a tx',
  "takes its gas, no overheads, fee recipient excluded, no fallback) at the same thread count:",
  'an upper bound, not a prediction. "right side of 1.0x": predicted and measured are both',
  "above 1.05x, both below 0.95x, or both within 5% of 1.0x. Error = (predicted - measured) / measured.",
  "The engine profile's lazy updates relax dependencies for scheduling only. The engine's read set",
  "is the dependency model's (a write implies a read: revm loads an account or slot before writing",
  "it), apart from the lazy entries, which read nothing.",
  "",
  "## Summary",
  "",
  ...summaryLines,
  "",
  ...NOTES,
  "",
  ...out,
].join("\n");
mkdirSync("bench/results", { recursive: true });
await writeFileAtomic("bench/results/calibration.md", md + "\n");
console.log(summaryLines.join("\n"));
console.log(`wrote bench/results/calibration.md (${elapsed} s)`);
