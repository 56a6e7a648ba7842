/**
 * Generates fixtures/report/sample.json: a ReportData for the report's tests and for previewing
 * the page, from SYNTHETIC blocks. A seeded random workload of suite-like functions touching
 * named storage slots (the senders' nonces and balances, and the fee recipient's balance, as a
 * real capture has them) is written as an access-set file, and the real engine (src/pipeline/:
 * analysis, every scheduler, the Block-STM Gantt) turns it into the report's data. The blocks are
 * invented, so no number in it is a measurement of anything.
 *
 *   npx tsx scripts/make-report-sample.ts [--seed 7] [--blocks 3] [--per-block 100] [--out fixtures/report/sample.json]
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AccessSetFile, BlockAccess } from "../src/access/format.js";
import { reportData, runPipeline } from "../src/pipeline/index.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
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
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
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
const userSlot = (c: C, base: string, u: number) =>
  slot(c, `${contracts[c].name}.${base}[user${u}]`, hex(0x1000 * (c.length + 1) + u * 7 + base.length, 32));

interface Tx {
  id: number;
  user: number;
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
  return FUNCTIONS[FUNCTIONS.length - 1];
}

const BLOCKS = Number(arg("blocks", "3"));
const PER_BLOCK = Number(arg("per-block", "100"));
const txs: Tx[] = [];
for (let b = 0; b < BLOCKS; b++) {
  for (let k = 0; k < PER_BLOCK; k++) {
    const f = pickFunction();
    const reads = new Set<string>();
    const writes = new Set<string>();
    const user = pick(users);
    f.touch(user, reads, writes);
    for (const w of writes) reads.delete(w);
    txs.push({ id: txs.length, user, block: b, fn: f.fn, reads, writes, cost: Math.round(f.gas * (0.8 + 0.4 * rand())) });
  }
}

// The synthetic blocks as an access-set file.
const CONTRACT_OF: Record<string, C> = {
  UniswapV2Pair: "pair",
  DisjointPool: "pool",
  DisjointMarket: "market",
  DisjointVault: "vault",
  MockERC20: "token",
};
const FEE_RECIPIENT = hex(0xc0ffee, 20);
const sender = (u: number) => hex(0x5000 + u, 20);
const storageKey = (k: string): [string, string] => [slots.get(k)!.address, slots.get(k)!.slot];
const blocks: BlockAccess[] = Array.from({ length: BLOCKS }, (_, b) => ({
  number: 1000 + b,
  hash: null,
  coinbase: FEE_RECIPIENT,
  txs: txs
    .filter((t) => t.block === b)
    .map((t, index) => {
      const from = sender(t.user);
      return {
        index,
        hash: null,
        from,
        to: contracts[CONTRACT_OF[t.fn.split(".")[0]]].address,
        selector: null,
        function: t.fn,
        gasUsed: t.cost,
        storage: { reads: [...t.reads].map(storageKey), writes: [...t.writes].map(storageKey) },
        accounts: {
          reads: [
            [from, "nonce"],
            [from, "balance"],
          ],
          writes: [
            [from, "nonce"],
            [from, "balance"],
            [FEE_RECIPIENT, "balance"],
          ],
        },
      };
    }),
}));
const file: AccessSetFile = {
  format: "disjoint.access-sets",
  version: 1,
  source: { kind: "synthetic", description: `seeded random workload (seed ${SEED}), ${txs.length} txs in ${BLOCKS} blocks` },
  precision: { reads: "tx", writes: "tx" },
  blocks,
  names: {
    accounts: Object.fromEntries(Object.values(contracts).map((c) => [c.address, c.name])),
    slots: Object.fromEntries([...slots.values()].filter((x) => x.name).map((x) => [`${x.address}:${x.slot}`, x.name!])),
  },
};

// The real engine on it.
const data = reportData(runPipeline(file), "Synthetic sample: mixed DEX, lending and vault workload", [
  "Synthetic sample for testing and previewing the report: the real analyzer and schedulers (src/pipeline/) run by scripts/make-report-sample.ts on seeded random blocks of suite-like calls. The blocks are invented: None of these numbers is a measurement.",
]);

mkdirSync(dirname(OUT), { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(data, null, 1) + "\n");
renameSync(tmp, OUT);
console.log(
  `wrote ${OUT}: ${txs.length} txs in ${BLOCKS} blocks, ${data.hotSlots.length} hot slots, ${data.gantt?.tasks.length ?? 0} Gantt tasks`,
);
