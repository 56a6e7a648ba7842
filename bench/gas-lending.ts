/**
 * Gas of the lending market's operations, side by side with Morpho Blue, in one run.
 *
 *   npx hardhat run bench/gas-lending.ts
 *
 * Both markets get the same tokens, the same kinked rate model (Morpho through
 * contracts/mocks/MorphoBenchIrm.sol) and the same price. Every operation is measured twice:
 * as the block's first interaction with the market (interest accrues: Morpho writes its
 * market totals, disjoint takes the per-block snapshot) and later in a block whose snapshot
 * was already taken (automine off, an accrue() call first in the block). Positions are
 * existing (non-zero to non-zero writes) except for "first supply". Writes
 * bench/results/gas-lending.md (through a temporary file and a rename).
 */
import { network } from "hardhat";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import type { ContractTransactionResponse, Signer } from "ethers";
import {
  LendingMarket__factory,
  MockERC20__factory,
  MockPriceOracle__factory,
  MorphoBenchIrm__factory,
  MorphoBenchOracle__factory,
  Morpho__factory,
  type MockERC20,
  TokenLayoutRegistry__factory,
} from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const WAD = 10n ** 18n;
const E36 = 10n ** 36n;
const YEAR = 365n * 24n * 3600n;
const PRICE = 2000n * E36;
const LLTV = (8n * WAD) / 10n;
const RATES = { base: (2n * WAD) / 100n / YEAR, slope1: WAD / 10n / YEAR, slope2: WAD / YEAR, kink: (8n * WAD) / 10n };
const SHARD_COUNTS = [1n, 4n, 16n, 64n];
const MAX_K = 64n;
/** LendingMarket.DEFAULT_RATE_EPOCH: the rates are refreshed from the shards once per epoch. */
const EPOCH = 3600n;
const OPS = [
  "first supply",
  "supply",
  "withdraw",
  "deposit collateral",
  "first deposit collateral",
  "first borrow",
  "borrow",
  "repay",
  "liquidate",
  "supply, first of an epoch",
  "refreshRates (once per epoch)",
  "setShardCount (K → K+1)",
] as const;
type Op = (typeof OPS)[number];
type Mode = "first" | "later";
/** -1n: the operation does not exist in that market or position. */
type Row = Record<Op, Record<Mode, bigint>>;
const NONE = -1n;

const signers = await ethers.getSigners();
const [owner, lender, borrower, liquidator, newcomer, debtor] = signers;
/** Background lenders: one per shard of the largest K, so that no measured call meets an empty shard. */
const background: Signer[] = [];
for (let i = 0; background.length < Number(MAX_K); i++) {
  // Deterministic keys, so every run measures the same addresses.
  const w = new ethers.Wallet(ethers.id(`gas-lending background ${i}`), ethers.provider);
  if (BigInt(w.address) % MAX_K !== BigInt(background.length)) continue;
  await networkHelpers.setBalance(w.address, 10n ** 20n);
  background.push(w);
}
const funded = [lender, borrower, liquidator, newcomer, ...background];

/**
 * `debtor` (the "first borrow" row) holds collateral only: it deposits in the setup, then
 * borrows for the first time holding no loan tokens, as a new borrower does.
 */
async function token(name: string, holders: Signer[]): Promise<MockERC20> {
  const t = await new MockERC20__factory(owner).deploy(name, name, 18);
  for (const s of holders) await t.mint(await s.getAddress(), 10n ** 30n);
  return t;
}

async function approveAll(t: MockERC20, spender: string) {
  for (const s of [...funded, debtor]) await t.connect(s).approve(spender, ethers.MaxUint256);
}

/** Gas of `send()` as the first interaction of a new block, or after `poke()` in the same block. */
async function measure(mode: Mode, poke: () => Promise<unknown>, send: () => Promise<ContractTransactionResponse>) {
  await networkHelpers.time.increase(12);
  if (mode === "first") {
    const rc = await (await send()).wait();
    return rc!.gasUsed;
  }
  await ethers.provider.send("evm_setAutomine", [false]);
  try {
    await poke();
    const tx = await send();
    await networkHelpers.mine();
    const rc = await tx.wait();
    if (rc!.status !== 1) throw new Error("benchmark transaction failed");
    return rc!.gasUsed;
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
}

interface Market {
  poke: () => Promise<unknown>;
  supply: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  withdraw: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  deposit: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  borrow: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  repay: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  liquidate: (s: Signer, a: bigint) => Promise<ContractTransactionResponse>;
  setPrice: (p: bigint) => Promise<unknown>;
  /** The rate refresh (disjoint only: anyone, once per epoch, first in its block). */
  refresh?: () => Promise<ContractTransactionResponse>;
  /** Growing the shard count by one (disjoint only, owner; one new escrow). */
  grow?: () => Promise<ContractTransactionResponse>;
}

async function disjointMarket(k: bigint): Promise<Market> {
  const loan = await token("LOAN", funded);
  const coll = await token("COLL", [...funded, debtor]);
  const oracle = await new MockPriceOracle__factory(owner).deploy(PRICE);
  // Both tokens' layouts registered, as a deployment would (declarations only: no gas effect on
  // calls). From another account, so that every other address is the same as without a registry.
  const registrar = signers[19];
  const layouts = await new TokenLayoutRegistry__factory(registrar).deploy(registrar.address);
  for (const t of [loan, coll]) await (await layouts.register(await t.getAddress(), 0n, 1n)).wait();
  const m = await new LendingMarket__factory(owner).deploy(
    {
      loanToken: loan,
      collateralToken: coll,
      oracle,
      shardCount: k,
      lltv: LLTV,
      liquidationBonus: (105n * WAD) / 100n,
      maxPriceAge: YEAR,
      baseRate: RATES.base,
      slope1: RATES.slope1,
      slope2: RATES.slope2,
      kink: RATES.kink,
    },
    owner.address,
    await layouts.getAddress(),
  );
  await approveAll(loan, await m.getAddress());
  await approveAll(coll, await m.getAddress());
  const all = (1n << k) - 1n;
  return {
    poke: () => m.connect(owner).accrue(),
    supply: (s, a) => m.connect(s).supply(a),
    withdraw: async (s, a) => m.connect(s).withdraw(a, await s.getAddress(), all),
    deposit: (s, a) => m.connect(s).depositCollateral(a),
    borrow: async (s, a) => m.connect(s).borrow(a, await s.getAddress(), all),
    repay: async (s, a) => m.connect(s).repay(a, borrower.address),
    liquidate: (s, a) => m.connect(s).liquidate(borrower.address, a),
    setPrice: (p) => oracle.setPrice(p),
    refresh: () => m.connect(owner).refreshRates(),
    grow: k < MAX_K ? () => m.connect(owner).setShardCount(k + 1n) : undefined,
  };
}

async function morphoMarket(): Promise<Market> {
  const loan = await token("LOAN", funded);
  const coll = await token("COLL", [...funded, debtor]);
  const oracle = await new MorphoBenchOracle__factory(owner).deploy(PRICE);
  const irm = await new MorphoBenchIrm__factory(owner).deploy(RATES.base, RATES.slope1, RATES.slope2, RATES.kink);
  const m = await new Morpho__factory(owner).deploy(owner.address);
  await m.enableIrm(await irm.getAddress());
  await m.enableLltv(LLTV);
  const params = {
    loanToken: await loan.getAddress(),
    collateralToken: await coll.getAddress(),
    oracle: await oracle.getAddress(),
    irm: await irm.getAddress(),
    lltv: LLTV,
  };
  await m.createMarket(params);
  await approveAll(loan, await m.getAddress());
  await approveAll(coll, await m.getAddress());
  return {
    poke: () => m.connect(owner).accrueInterest(params),
    supply: async (s, a) => m.connect(s).supply(params, a, 0, await s.getAddress(), "0x"),
    withdraw: async (s, a) => m.connect(s).withdraw(params, a, 0, await s.getAddress(), await s.getAddress()),
    deposit: async (s, a) => m.connect(s).supplyCollateral(params, a, await s.getAddress(), "0x"),
    borrow: async (s, a) => m.connect(s).borrow(params, a, 0, await s.getAddress(), await s.getAddress()),
    repay: (s, a) => m.connect(s).repay(params, a, 0, borrower.address, "0x"),
    // Morpho takes the collateral to seize; 100 loan units' worth at the dropped price, plus bonus.
    liquidate: (s, a) => m.connect(s).liquidate(params, borrower.address, (a * 106n * E36) / 100n / PRICE_DROPPED, 0, "0x"),
    setPrice: (p) => oracle.setPrice(p),
  };
}

const PRICE_DROPPED = 800n * E36;

/** The first second of the epoch after the one holding `t` (the boundary itself). */
function nextEpochStart(t: bigint): bigint {
  return (t / EPOCH + 1n) * EPOCH;
}

async function run(make: () => Promise<Market>): Promise<Row> {
  const row = {} as Row;
  for (const mode of ["first", "later"] as Mode[]) {
    const id = await networkHelpers.takeSnapshot();
    const m = await make();
    // Steady state: a lender, a borrower at 50% of the LLTV, interest running.
    await m.supply(lender, 100_000n * WAD);
    for (const b of background) await m.supply(b, 10_000n * WAD);
    // Collateral in every shard too, so that a new borrower's first deposit does not fill an
    // empty escrow balance (a one-off 0 -> non-zero write in the token, +17,100 gas).
    for (const b of background) await m.deposit(b, WAD);
    await m.deposit(borrower, 10n * WAD);
    await m.deposit(debtor, 10n * WAD);
    await m.borrow(borrower, 8_000n * WAD);
    await networkHelpers.time.increase(3600);
    // Start at an epoch boundary with the rates refreshed (a keeper's refreshRates), so that every
    // measurement below (12 s apart) falls in one refreshed epoch: "first in block" is then the
    // per-block accrual from the stored rates.
    await networkHelpers.time.setNextBlockTimestamp(nextEpochStart(BigInt(await networkHelpers.time.latest())));
    await (m.refresh ?? m.poke)();
    const put = (op: Op, gas: bigint) => ((row[op] ??= {} as Record<Mode, bigint>)[mode] = gas);
    put("first supply", await measure(mode, m.poke, () => m.supply(newcomer, 1_000n * WAD)));
    put("supply", await measure(mode, m.poke, () => m.supply(lender, 1_000n * WAD)));
    put("withdraw", await measure(mode, m.poke, () => m.withdraw(lender, 500n * WAD)));
    put("deposit collateral", await measure(mode, m.poke, () => m.deposit(borrower, WAD)));
    // A new borrower's first deposit (an empty loan slot; disjoint also reads the shard count).
    put("first deposit collateral", await measure(mode, m.poke, () => m.deposit(newcomer, WAD)));
    put("first borrow", await measure(mode, m.poke, () => m.borrow(debtor, 1_000n * WAD)));
    put("borrow", await measure(mode, m.poke, () => m.borrow(borrower, 100n * WAD)));
    put("repay", await measure(mode, m.poke, () => m.repay(borrower, 100n * WAD)));
    await m.setPrice(PRICE_DROPPED); // 11 collateral worth 8,800; 80% of it is below the 8,000 debt
    put("liquidate", await measure(mode, m.poke, () => m.liquidate(liquidator, 100n * WAD)));
    // The first interaction of a new epoch that no one has refreshed yet: the stale path, no shard read.
    await networkHelpers.time.setNextBlockTimestamp(nextEpochStart(BigInt(await networkHelpers.time.latest())) - 12n);
    await networkHelpers.mine();
    put("supply, first of an epoch", await measure(mode, m.poke, () => m.supply(lender, 1_000n * WAD)));
    // The refresh itself, first in its block (it cannot be later in a block).
    const refresh = m.refresh;
    put("refreshRates (once per epoch)", refresh && mode === "first" ? await measure(mode, m.poke, refresh) : NONE);
    const grow = m.grow;
    put("setShardCount (K → K+1)", grow && mode === "first" ? await measure(mode, m.poke, grow) : NONE);
    await id.restore();
  }
  return row;
}

const columns: [string, Row][] = [["Morpho Blue", await run(morphoMarket)]];
for (const k of SHARD_COUNTS) columns.push([`disjoint K=${k}`, await run(() => disjointMarket(k))]);

const header = ["operation", "block position", ...columns.map(([n]) => n), "worst K vs Morpho"];
const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
for (const op of OPS) {
  for (const mode of ["first", "later"] as Mode[]) {
    const morpho = columns[0][1][op][mode];
    const worst = columns.slice(1).reduce((w, [, r]) => (r[op][mode] > w ? r[op][mode] : w), NONE);
    if (worst === NONE) continue;
    const delta = Number(worst - morpho);
    const pct = ((delta / Number(morpho)) * 100).toFixed(1);
    const vs = morpho === NONE ? "—" : `${delta >= 0 ? "+" : ""}${delta} (${delta >= 0 ? "+" : ""}${pct}%)`;
    lines.push(
      `| ${op} | ${mode === "first" ? "first in block" : "later in block"} | ${columns
        .map(([, r]) => (r[op][mode] === NONE ? "—" : r[op][mode].toString()))
        .join(" | ")} | ${vs} |`,
    );
  }
}
const table = lines.join("\n");
const refreshAt = (k: bigint) => columns.find(([n]) => n === `disjoint K=${k}`)![1]["refreshRates (once per epoch)"].first;
const perShard = Number(refreshAt(64n) - refreshAt(1n)) / 63;
const refreshFit = `refreshRates(K) ≈ ${refreshAt(1n) - BigInt(Math.round(perShard))} + ${Math.round(perShard)} · K gas (fit through K=1 and K=64; K=4: ${refreshAt(4n)}, K=16: ${refreshAt(16n)})`;
console.log(refreshFit);
console.log(table);

const doc = `# Gas: disjoint lending market vs Morpho Blue

Measured by \`npx hardhat run bench/gas-lending.ts\` (Hardhat 3 EDR, cancun; disjoint built with
solc 0.8.30 at 10,000 optimizer runs, Morpho Blue 1.0.0 with its own solc 0.8.19 at 999,999
runs), ${new Date().toISOString().slice(0, 10)}. Transaction gasUsed, including the 21,000 base.

- Same tokens (OpenZeppelin ERC20 mocks), same kinked rate model (Morpho through
  \`MorphoBenchIrm\`), price 2,000 loan per collateral, LLTV 80%. Both oracle mocks read one
  storage slot per price (disjoint's also returns the observation time for its staleness check).
- Steady state before measuring: 100,000 supplied by the lender plus 10,000 by a background
  lender in each of 64 address classes, who also deposits 1 collateral (so every shard of every K
  holds supply and collateral), 10 collateral,
  8,000 borrowed, one hour of interest. Existing positions except "first supply" (a new lender)
  and "first borrow" (a borrower who deposited 10 collateral in an earlier block, has no debt and
  holds no loan tokens, borrows 1,000).
- "first in block": the operation is the block's first interaction with the market, so it
  accrues interest (Morpho writes its totals; disjoint advances its per-block snapshot by the
  stored rates, reading no shard). "later in block": an \`accrue()\`/\`accrueInterest()\` call came
  earlier in the same block, so neither accrues. All rows but the last fall in one rate epoch
  (1 hour, the default).
- Disjoint's rates are refreshed by \`refreshRates()\`, its own operation (anyone, at most once per
  epoch, first in its block; it reads all K shards); the steady state starts at an epoch boundary
  with a refresh. "supply, first of an epoch": a supply that is the first interaction of a new
  epoch that no one has refreshed yet (the stale path: no shard read); Morpho's figure is its
  ordinary supply. "refreshRates": the refresh itself, the only operation whose cost grows with K
  (no Morpho counterpart; first in block only). ${refreshFit}.
- Liquidation: price dropped to 800; 100 loan units repaid (disjoint) / the equivalent
  collateral seized (Morpho).
- "first deposit collateral": a new borrower's first deposit (an empty loan slot; disjoint also
  reads the shard count in the snapshot slot to tag the position). "setShardCount (K → K+1)":
  the owner grows the shard count by one (elastic shards: one new escrow by CREATE2, approving
  the market in both tokens); no Morpho counterpart, none at K=64 (the maximum).

${table}
`;
mkdirSync("bench/results", { recursive: true });
const tmp = "bench/results/gas-lending.md.tmp";
writeFileSync(tmp, doc);
renameSync(tmp, "bench/results/gas-lending.md");
console.log("wrote bench/results/gas-lending.md");
