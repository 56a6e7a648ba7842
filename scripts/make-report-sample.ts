/**
 * Generates fixtures/report/sample.json: a SYNTHETIC ReportData for the report's tests and
 * for previewing the page. Nothing in it is measured. A seeded random workload of suite-like
 * functions touching named storage slots goes through a small toy analysis (dependency graph,
 * components, longest chain, hot slots, function matrix) and toy schedulers (serial, DAG list
 * scheduling, in-order locking, optimistic Block-STM-like re-execution); the real analyzer
 * (src/conflicts/) and simulator (src/schedule/) replace all of this through adapters.
 *
 *   node scripts/make-report-sample.ts [--seed 7] [--blocks 3] [--per-block 100] [--out fixtures/report/sample.json]
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ReportDataInput } from "../src/report/model.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const SEED = Number(arg("seed", "7"));
const OUT = arg("out", "fixtures/report/sample.json");

// mulberry32: small, seeded, reproducible.
let state = SEED >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const hex = (n: number, bytes: number) => "0x" + n.toString(16).padStart(bytes * 2, "0");
const randHex = (bytes: number) => "0x" + Array.from({ length: bytes * 2 }, () => Math.floor(rand() * 16).toString(16)).join("");

interface SlotInfo {
  key: string;
  name?: string;
  contract: string;
  address: string;
  slot: string;
}
const slots = new Map<string, SlotInfo>();
const contracts = {
  pair: { name: "UniswapV2Pair", address: randHex(20) },
  pool: { name: "DisjointPool", address: randHex(20) },
  market: { name: "DisjointMarket", address: randHex(20) },
  vault: { name: "DisjointVault", address: randHex(20) },
  token: { name: "MockERC20", address: randHex(20) },
};
type C = keyof typeof contracts;
function slot(c: C, name: string | undefined, slotNo: string): string {
  const key = `${c}:${slotNo}`;
  if (!slots.has(key)) {
    slots.set(key, { key, name, contract: contracts[c].name, address: contracts[c].address, slot: slotNo });
  }
  return key;
}
const users = Array.from({ length: 400 }, (_, i) => i);
const userSlot = (c: C, base: string, u: number) => slot(c, `${contracts[c].name}.${base}[user${u}]`, hex(0x1000 * (c.length + 1) + u * 7 + base.length, 32));

interface Tx {
  id: number;
  block: number;
  fn: string;
  reads: Set<string>;
  writes: Set<string>;
  cost: number;
}
// Each function: gas around a base, and the slots it reads and writes for a given sender.
const FUNCTIONS: { fn: string; weight: number; gas: number; touch: (u: number, r: Set<string>, w: Set<string>) => void }[] = [
  {
    fn: "UniswapV2Pair.swap",
    weight: 5,
    gas: 62_000,
    touch: (u, r, w) => {
      for (const v of ["reserve0", "reserve1", "blockTimestampLast"]) w.add(slot("pair", `UniswapV2Pair.${v}`, hex(8, 32)));
      w.add(slot("pair", "UniswapV2Pair.price0CumulativeLast", hex(9, 32)));
      w.add(userSlot("token", "balanceOf", u));
      w.add(slot("token", "MockERC20.balanceOf[pair]", hex(0xbeef, 32)));
    },
  },
  {
    fn: "DisjointPool.swap",
    weight: 8,
    gas: 71_000,
    touch: (u, r, w) => {
      r.add(slot("pool", "DisjointPool.snapshot.price", hex(3, 32)));
      w.add(userSlot("pool", "escrow", u));
      w.add(userSlot("token", "balanceOf", u));
      if (rand() < 0.08) w.add(slot("pool", "DisjointPool.snapshot.price", hex(3, 32))); // first swap of the block refreshes it
    },
  },
  {
    fn: "DisjointPool.addLiquidity",
    weight: 2,
    gas: 95_000,
    touch: (u, r, w) => {
      w.add(userSlot("pool", "shares", u));
      w.add(slot("pool", `DisjointPool.totals.shard${u % 4}`, hex(0x40 + (u % 4), 32)));
    },
  },
  {
    fn: "DisjointMarket.supply",
    weight: 4,
    gas: 58_000,
    touch: (u, r, w) => {
      w.add(userSlot("market", "supplyShares", u));
      w.add(slot("market", `DisjointMarket.totalSupply.shard${u % 8}`, hex(0x60 + (u % 8), 32)));
      r.add(slot("market", "DisjointMarket.indexSnapshot", hex(5, 32)));
    },
  },
  {
    fn: "DisjointMarket.borrow",
    weight: 3,
    gas: 84_000,
    touch: (u, r, w) => {
      w.add(userSlot("market", "borrowShares", u));
      w.add(slot("market", `DisjointMarket.totalBorrow.shard${u % 8}`, hex(0x70 + (u % 8), 32)));
      r.add(slot("market", "DisjointMarket.indexSnapshot", hex(5, 32)));
      if (rand() < 0.15) w.add(slot("market", "DisjointMarket.indexSnapshot", hex(5, 32)));
    },
  },
  {
    fn: "DisjointMarket.repay",
    weight: 2,
    gas: 52_000,
    touch: (u, r, w) => {
      w.add(userSlot("market", "borrowShares", u));
      w.add(slot("market", `DisjointMarket.totalBorrow.shard${u % 8}`, hex(0x70 + (u % 8), 32)));
    },
  },
  {
    fn: "DisjointVault.deposit",
    weight: 3,
    gas: 67_000,
    touch: (u, r, w) => {
      w.add(userSlot("vault", "balanceOf", u));
      w.add(slot("vault", `DisjointVault.totalAssets.shard${u % 4}`, hex(0x80 + (u % 4), 32)));
      w.add(slot("vault", undefined, hex(0xa11ce + (u % 2), 32))); // an undecoded slot
    },
  },
  {
    fn: "DisjointVault.redeem",
    weight: 2,
    gas: 64_000,
    touch: (u, r, w) => {
      w.add(userSlot("vault", "balanceOf", u));
      w.add(slot("vault", `DisjointVault.totalAssets.shard${u % 4}`, hex(0x80 + (u % 4), 32)));
    },
  },
  {
    fn: "MockERC20.transfer",
    weight: 4,
    gas: 34_000,
    touch: (u, r, w) => {
      w.add(userSlot("token", "balanceOf", u));
      w.add(userSlot("token", "balanceOf", pick(users)));
    },
  },
];
const totalWeight = FUNCTIONS.reduce((a, f) => a + f.weight, 0);
function pickFunction() {
  let x = rand() * totalWeight;
  for (const f of FUNCTIONS) if ((x -= f.weight) < 0) return f;
  return FUNCTIONS[FUNCTIONS.length - 1]!;
}

const BLOCKS = Number(arg("blocks", "3"));
const PER_BLOCK = Number(arg("per-block", "100"));
const txs: Tx[] = [];
for (let b = 0; b < BLOCKS; b++) {
  for (let k = 0; k < PER_BLOCK; k++) {
    const f = pickFunction();
    const reads = new Set<string>();
    const writes = new Set<string>();
    f.touch(pick(users), reads, writes);
    for (const w of writes) reads.delete(w);
    txs.push({ id: txs.length, block: b, fn: f.fn, reads, writes, cost: Math.round(f.gas * (0.8 + 0.4 * rand())) });
  }
}

// Toy analysis: i -> j (i earlier, same block) when one writes what the other reads or writes.
interface Edge {
  i: number;
  j: number;
  kind: "write-write" | "read-write" | "mixed";
  slot: string;
}
const edges: Edge[] = [];
const deps: number[][] = txs.map(() => []);
for (const tj of txs) {
  for (const ti of txs) {
    if (ti.id >= tj.id) break;
    if (ti.block !== tj.block) continue;
    const ww = [...ti.writes].filter((s) => tj.writes.has(s));
    const rw = [...ti.writes].filter((s) => tj.reads.has(s)).concat([...ti.reads].filter((s) => tj.writes.has(s)));
    if (!ww.length && !rw.length) continue;
    const kind = ww.length && rw.length ? "mixed" : ww.length ? "write-write" : "read-write";
    edges.push({ i: ti.id, j: tj.id, kind, slot: (ww[0] ?? rw[0])! });
    deps[tj.id]!.push(ti.id);
  }
}
const conflicted = new Set(edges.flatMap((e) => [e.i, e.j]));
const parent = txs.map((t) => t.id);
const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
for (const e of edges) parent[find(e.i)] = find(e.j);
const compSizes = new Map<number, number>();
for (const t of txs) compSizes.set(find(t.id), (compSizes.get(find(t.id)) ?? 0) + 1);
const chain = txs.map(() => 1);
const critical = txs.map((t) => t.cost);
for (const t of txs) {
  for (const d of deps[t.id]!) {
    chain[t.id] = Math.max(chain[t.id]!, chain[d]! + 1);
    critical[t.id] = Math.max(critical[t.id]!, critical[d]! + t.cost);
  }
}
const totalCost = txs.reduce((a, t) => a + t.cost, 0);
const criticalPath = Array.from({ length: BLOCKS }, (_, b) => Math.max(...txs.filter((t) => t.block === b).map((t) => critical[t.id]!)));
const criticalSum = criticalPath.reduce((a, x) => a + x, 0);

const slotName = (k: string) => slots.get(k)!.name ?? `${slots.get(k)!.contract}@${slots.get(k)!.slot}`;
const hot = [...slots.values()]
  .map((s) => {
    const writers = txs.filter((t) => t.writes.has(s.key)).length;
    const readers = txs.filter((t) => t.reads.has(s.key)).length;
    return { s, writers, readers, txCount: writers + readers };
  })
  .filter((h) => h.writers >= 2 || (h.writers >= 1 && h.readers >= 1));

const fnNames = FUNCTIONS.map((f) => f.fn);
const cellMap = new Map<string, { a: string; b: string; count: number; kinds: Set<string>; vars: Map<string, number> }>();
for (const e of edges) {
  const [a, b] = [txs[e.i]!.fn, txs[e.j]!.fn].sort((x, y) => fnNames.indexOf(x) - fnNames.indexOf(y)) as [string, string];
  const key = `${a}|${b}`;
  const cell = cellMap.get(key) ?? { a, b, count: 0, kinds: new Set(), vars: new Map() };
  cell.count++;
  cell.kinds.add(e.kind);
  cell.vars.set(slotName(e.slot), (cell.vars.get(slotName(e.slot)) ?? 0) + 1);
  cellMap.set(key, cell);
}

// Toy schedulers over each block (blocks run one after another).
type Task = { tx: number; incarnation: number; thread: number; start: number; end: number; kind: "execute" | "validate"; aborted: boolean };
function listSchedule(block: Tx[], p: number, inOrder: boolean): number {
  const free = Array(p).fill(0) as number[];
  const done = new Map<number, number>();
  let lastStart = 0;
  for (const t of block) {
    const k = free.indexOf(Math.min(...free));
    const ready = Math.max(0, ...deps[t.id]!.map((d) => done.get(d)!));
    const start = Math.max(free[k]!, ready, inOrder ? lastStart : 0);
    lastStart = start;
    done.set(t.id, start + t.cost);
    free[k] = start + t.cost;
  }
  return Math.max(...done.values());
}
function dagBound(block: Tx[], p: number): number {
  // The dependency limit: no schedule on p threads beats max(critical path, total work / p).
  const work = block.reduce((a, t) => a + t.cost, 0);
  return Math.max(Math.max(...block.map((t) => critical[t.id]!)), work / p);
}
function blockStm(block: Tx[], p: number, offset = 0): { makespan: number; aborts: number; wasted: number; tasks: Task[] } {
  const free = Array(p).fill(0) as number[];
  const committed = new Map<number, number>();
  const tasks: Task[] = [];
  let aborts = 0;
  let wasted = 0;
  for (const t of block) {
    const vcost = Math.round(t.cost * 0.12);
    let inc = 0;
    let earliest = 0;
    for (;;) {
      const k = free.indexOf(Math.min(...free));
      const start = Math.max(free[k]!, earliest);
      const end = start + t.cost;
      const ready = Math.max(0, ...deps[t.id]!.map((d) => committed.get(d)!));
      const stale = ready > start; // read before a dependency's final write landed
      tasks.push({ tx: t.id - offset, incarnation: inc, thread: k, start, end, kind: "execute", aborted: stale });
      const vstart = Math.max(end, stale ? ready : end);
      tasks.push({ tx: t.id - offset, incarnation: inc, thread: k, start: vstart, end: vstart + vcost, kind: "validate", aborted: stale });
      free[k] = vstart + vcost;
      if (!stale) {
        committed.set(t.id, vstart + vcost);
        break;
      }
      aborts++;
      wasted += t.cost;
      inc++;
      earliest = ready;
    }
  }
  return { makespan: Math.max(...committed.values()), aborts, wasted, tasks };
}

const THREADS = [1, 2, 4, 8, 16, 32];
const byBlock = Array.from({ length: BLOCKS }, (_, b) => txs.filter((t) => t.block === b));
const series = (["serial", "dag", "block-stm", "locks"] as const).map((scheduler) => {
  const speedup: number[] = [];
  const aborts: number[] = [];
  const wastedWork: number[] = [];
  for (const p of THREADS) {
    let span = 0;
    let ab = 0;
    let wa = 0;
    for (const block of byBlock) {
      if (scheduler === "serial") span += block.reduce((a, t) => a + t.cost, 0);
      else if (scheduler === "dag") span += dagBound(block, p);
      else if (scheduler === "locks") span += listSchedule(block, p, true);
      else {
        const r = blockStm(block, p);
        span += r.makespan;
        ab += r.aborts;
        wa += r.wasted;
      }
    }
    speedup.push(Number((totalCost / span).toFixed(4)));
    aborts.push(ab);
    wastedWork.push(wa);
  }
  const label = { serial: "serial", dag: "dag bound", "block-stm": "Block-STM", locks: "declared locks" }[scheduler];
  return {
    scheduler,
    label,
    speedup,
    efficiency: speedup.map((s, i) => Number((s / THREADS[i]!).toFixed(4))),
    ...(scheduler === "block-stm" ? { aborts, wastedWork } : {}),
  };
});

// Gantt: the block with the most conflict edges, at 8 threads.
const edgesPerBlock = byBlock.map((bl) => edges.filter((e) => txs[e.i]!.block === bl[0]!.block).length);
const ganttBlock = edgesPerBlock.indexOf(Math.max(...edgesPerBlock));
const gantt = blockStm(byBlock[ganttBlock]!, 8);

const data: ReportDataInput = {
  format: "disjoint.report",
  version: 1,
  title: "Synthetic sample: mixed DEX, lending and vault workload",
  source: {
    kind: "synthetic",
    description: `seeded random workload (seed ${SEED}), ${txs.length} txs in ${BLOCKS} blocks; toy analysis and toy schedulers`,
  },
  notes: [
    "Synthetic sample for testing and previewing the report: generated by scripts/make-report-sample.ts from a seeded random workload and a toy scheduler model. None of these numbers is a measurement.",
  ],
  summary: {
    txs: txs.length,
    blocks: BLOCKS,
    conflictRate: Number((conflicted.size / txs.length).toFixed(4)),
    conflictPairs: edges.length,
    longestChain: Math.max(...chain),
    components: compSizes.size,
    largestComponent: Math.max(...compSizes.values()),
    dagSpeedupBound: Number((totalCost / criticalSum).toFixed(3)),
    hotSlotCount: hot.filter((h) => h.writers >= 2).length,
  },
  hotSlots: hot.map((h) => ({
    ...(h.s.name ? { name: h.s.name } : {}),
    contract: h.s.contract,
    address: h.s.address,
    slot: h.s.slot,
    txCount: h.txCount,
    writers: h.writers,
    readers: h.readers,
  })),
  functionMatrix: {
    functions: fnNames,
    cells: [...cellMap.values()].map((c) => ({
      a: c.a,
      b: c.b,
      count: c.count,
      kind: c.kinds.size === 1 ? ([...c.kinds][0] as "write-write" | "read-write" | "mixed") : "mixed",
      variable: [...c.vars.entries()].sort((x, y) => y[1] - x[1])[0]![0],
    })),
  },
  speedups: { threads: THREADS, series },
  gantt: { block: ganttBlock, scheduler: "block-stm", threads: 8, unit: "gas", tasks: gantt.tasks },
  graph: {
    nodes: txs.map((t) => ({ id: t.id, function: t.fn, block: t.block })),
    edges: edges.map((e) => ({ source: e.i, target: e.j, kind: e.kind, variable: slotName(e.slot) })),
  },
};

mkdirSync(dirname(OUT), { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(data, null, 1) + "\n");
renameSync(tmp, OUT);
console.log(
  `wrote ${OUT}: ${txs.length} txs, ${edges.length} edges, ${hot.length} hot slots, ${gantt.tasks.length} gantt tasks (block ${ganttBlock})`,
);
