/**
 * Gas of deposit, mint, withdraw, redeem and harvest: DisjointVault (price schedule, #18) and
 * its previous design (a per-block price snapshot taken by the block's first interaction,
 * main at 4c2bf17, deployed from fixtures/vault/disjoint-vault-4c2bf17.json.gz) next to
 * OpenZeppelin's ERC4626 (contracts/mocks/OZVault.sol, unchanged OZ code), over the same token,
 * at 1, 4, 16 and 64 shards, in one run.
 *
 * Run: npx hardhat run bench/gas-vault.ts   → prints the tables, writes bench/results/gas-vault.md
 *
 * Every measured call is a steady-state one: the user already holds shares and tokens, its
 * shard escrow already holds assets, so no slot goes from zero to non-zero. Each design is
 * measured per operation as the first vault interaction of its block and as a later one.
 */
import { readFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { ContractFactory, type InterfaceAbi } from "ethers";
import { network } from "hardhat";
import {
  DisjointVault__factory,
  MockERC20__factory,
  VaultMockStrategy__factory,
  OZVault__factory,
  TokenLayoutRegistry__factory,
} from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const E18 = 10n ** 18n;
const MAX = 2n ** 256n - 1n;
const SHARD_COUNTS = [1n, 4n, 16n, 64n];
const here = dirname(fileURLToPath(import.meta.url));
const baseline = JSON.parse(
  gunzipSync(readFileSync(join(here, "..", "fixtures", "vault", "disjoint-vault-4c2bf17.json.gz"))).toString("utf8"),
) as { abi: InterfaceAbi; bytecode: string; commit: string };

type Op = "deposit" | "mint" | "withdraw" | "redeem";
const OPS: Op[] = ["deposit", "mint", "withdraw", "redeem"];

interface Vaultish {
  getAddress(): Promise<string>;
  connect(s: unknown): {
    deposit(a: bigint, r: string): Promise<{ hash: string }>;
    mint(s: bigint, r: string): Promise<{ hash: string }>;
    withdraw(a: bigint, r: string, o: string): Promise<{ hash: string }>;
    redeem(s: bigint, r: string, o: string): Promise<{ hash: string }>;
  };
}

const signers = await ethers.getSigners();
const [deployer] = signers;
const token = await new MockERC20__factory(deployer).deploy("Asset", "AST", 18);

async function prepare(vault: Vaultish, users: typeof signers) {
  const addr = await vault.getAddress();
  for (const u of users) {
    await token.mint(u.address, 1_000n * E18);
    await token.connect(u).approve(addr, MAX);
    await vault.connect(u).deposit(100n * E18, u.address);
  }
  await networkHelpers.mine();
}

function send(vault: Vaultish, op: Op, u: (typeof signers)[number]) {
  const v = vault.connect(u);
  switch (op) {
    case "deposit":
      return v.deposit(E18, u.address);
    case "mint":
      return v.mint(E18, u.address); // 1e18 shares
    case "withdraw":
      return v.withdraw(E18, u.address, u.address);
    case "redeem":
      return v.redeem(E18, u.address, u.address);
  }
}

/** Runs `op` by each user in one block (in order) and returns each transaction's gas. */
async function inOneBlock(vault: Vaultish, op: Op, users: typeof signers): Promise<bigint[]> {
  await ethers.provider.send("evm_setAutomine", [false]);
  const hashes: string[] = [];
  try {
    for (const u of users) hashes.push((await send(vault, op, u)).hash);
    await networkHelpers.mine();
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
  const gas: bigint[] = [];
  for (const h of hashes) {
    const r = await ethers.provider.getTransactionReceipt(h);
    if (!r || r.status !== 1) throw new Error(`benchmark transaction ${h} (${op}) failed`);
    gas.push(r.gasUsed);
  }
  const blocks = new Set(await Promise.all(hashes.map(async (h) => (await ethers.provider.getTransactionReceipt(h))!.blockNumber)));
  if (blocks.size !== 1) throw new Error(`benchmark ${op}: transactions landed in ${blocks.size} blocks, expected 1`);
  return gas;
}

// Users outside shard 0 at every K > 1 (address % 4 != 0, so also % 16 and % 64): shard 0's
// escrow is the vault itself, which pays exits without an allowance read; at K = 1 everyone is
// in shard 0, at K > 1 a shard-0 user pays the K = 1 figures.
const users = signers
  .slice(1, 19)
  .filter((s) => BigInt(s.address) % 4n !== 0n)
  .slice(0, 3);
if (users.length < 3) throw new Error("benchmark: fewer than three signers outside shard 0");
const oz = await new OZVault__factory(deployer).deploy(await token.getAddress());
await prepare(oz as unknown as Vaultish, users);
const ozGas = new Map<Op, bigint>();
for (const op of OPS) ozGas.set(op, (await inOneBlock(oz as unknown as Vaultish, op, users.slice(0, 1)))[0]);

// The asset's layout registered, as a deployment would (declarations only: no gas effect on
// calls). From another account, so that every other address is the same as without a registry.
const registrar = signers[19];
const layouts = await new TokenLayoutRegistry__factory(registrar).deploy(registrar.address);
await (await layouts.register(await token.getAddress(), 0n, 1n)).wait();

type Design = "snapshot" | "schedule";
const DESIGNS: Design[] = ["snapshot", "schedule"];

async function deployVault(design: Design, k: bigint) {
  const args = [
    await token.getAddress(),
    "Disjoint Vault",
    "djV",
    k,
    deployer.address,
    deployer.address,
    await layouts.getAddress(),
  ] as const;
  const contract =
    design === "schedule"
      ? await new DisjointVault__factory(deployer).deploy(...args)
      : await new ContractFactory(baseline.abi, baseline.bytecode, deployer).deploy(...args);
  await contract.waitForDeployment();
  return DisjointVault__factory.connect(await contract.getAddress(), deployer);
}

/** Gas of a harvest that books a gain, in a block of its own, after a block with deposits. */
async function harvestGas(vault: Awaited<ReturnType<typeof deployVault>>, strategy: { gain(a: bigint): Promise<unknown> }) {
  await networkHelpers.mine();
  await strategy.gain(E18);
  await networkHelpers.mine();
  const tx = await vault.harvest();
  const r = await tx.wait();
  if (!r || r.status !== 1) throw new Error("benchmark harvest failed");
  return r.gasUsed;
}

const gas = new Map<string, bigint>(); // `${design}:${k}:${op}:${first|later}` → gas
const harvests = new Map<string, bigint>(); // `${design}:${k}` → gas
for (const k of SHARD_COUNTS) {
  for (const design of DESIGNS) {
    const vault = await deployVault(design, k);
    const strategy = await new VaultMockStrategy__factory(deployer).deploy(await token.getAddress(), await vault.getAddress());
    await vault.setStrategy(await strategy.getAddress());
    await prepare(vault as unknown as Vaultish, users);
    for (const op of OPS) {
      const [first, later] = await inOneBlock(vault as unknown as Vaultish, op, users.slice(0, 2));
      gas.set(`${design}:${k}:${op}:first`, first);
      gas.set(`${design}:${k}:${op}:later`, later);
    }
    harvests.set(`${design}:${k}`, await harvestGas(vault, strategy));
  }
}

const pct = (g: bigint, base: bigint) => `${g > base ? "+" : ""}${((Number(g - base) / Number(base)) * 100).toFixed(1)}%`;
const rows: string[][] = [];
for (const op of OPS) {
  const base = ozGas.get(op)!;
  for (const k of SHARD_COUNTS) {
    const g = (d: Design, w: string) => gas.get(`${d}:${k}:${op}:${w}`)!;
    rows.push([
      op,
      String(k),
      String(base),
      `${g("snapshot", "first")} (${pct(g("snapshot", "first"), base)})`,
      `${g("snapshot", "later")} (${pct(g("snapshot", "later"), base)})`,
      `${g("schedule", "first")} (${pct(g("schedule", "first"), base)})`,
      `${g("schedule", "later")} (${pct(g("schedule", "later"), base)})`,
    ]);
  }
}
const header = [
  "operation",
  "shards",
  "OZ ERC4626",
  "snapshot design: first in block",
  "snapshot: later in block",
  "schedule design: first in block",
  "schedule: later in block",
];
const render = (h: string[], rs: string[][]) => [h, h.map(() => "---"), ...rs].map((r) => `| ${r.join(" | ")} |`).join("\n");
const table = render(header, rows);
const hRows = SHARD_COUNTS.map((k) => [String(k), String(harvests.get(`snapshot:${k}`)), String(harvests.get(`schedule:${k}`))]);
const slope = (d: Design) => {
  const lo = harvests.get(`${d}:1`)!;
  const hi = harvests.get(`${d}:64`)!;
  return `${(Number(hi - lo) / 63).toFixed(0)} gas per shard (fit over K = 1..64: ${lo} + ${(Number(hi - lo) / 63).toFixed(0)}·(K − 1))`;
};
const harvestTable = render(["shards", "snapshot design: harvest", "schedule design: harvest"], hRows);
console.log(table);
console.log();
console.log(harvestTable);
console.log(`harvest, snapshot design: ${slope("snapshot")}`);
console.log(`harvest, schedule design: ${slope("schedule")}`);

const ozRedeem = Number(ozGas.get("redeem")!);
const ourRedeem = Number(gas.get("schedule:4:redeem:first")!); // outside shard 0
const bound = Math.floor(ozRedeem * 1.05);
const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });
const md = `# Vault gas: DisjointVault (price schedule) vs its per-block-snapshot design vs OpenZeppelin ERC4626

Command: \`npx hardhat run bench/gas-vault.ts\` (Hardhat EDR, cancun, solc 0.8.30, optimizer 10,000 runs),
one run for all three. The snapshot design is DisjointVault as of main ${baseline.commit}, deployed from
\`fixtures/vault/disjoint-vault-${baseline.commit}.json.gz\` (its compiled artifact). Same MockERC20
asset (OpenZeppelin ERC20) for all. Gas is the transaction's \`gasUsed\` (21,000 intrinsic and calldata
included). Steady state: the user holds shares and tokens already, the shard escrow holds assets,
amounts are 1e18 (assets or shares), withdrawals are paid from the user's own shard escrow (no
fallback). "First in block" is the block's first vault interaction, "later in block" the second.
Shard 0's escrow is the vault itself, which pays exits by \`transfer\` (no allowance read): at K = 1
every user is in shard 0; at K > 1 the measured users are outside shard 0 (a shard-0 user pays the
K = 1 figures).

The snapshot design's first interaction of a block reads every shard to store the block's price;
the schedule design reads one price word (written only by a harvest and the owner's settings) in
every position, so its first-in-block and later-in-block costs are the same and do not depend on K.
Its remaining gap to OZ is two cold slots on withdrawals and one on deposits (docs/vault.md, "Why
a vault whose users write disjoint slots pays those cold slots"): the price word (OZ's price reads
\`totalSupply\`, which its mint or burn then writes warm) and, for withdraw/redeem, the escrow's
allowance to the vault in the token (the escrow pays with \`transferFrom\`; OZ pays from its own
balance, and so does this vault for shard 0). Against OZ's redeem (${ozRedeem}, its cheapest exit: one conversion, where its withdraw runs
two and reads the token's balance twice) those 4,200 gas alone are ${pct(4200n + BigInt(ozRedeem), BigInt(ozRedeem))}, so the 5% goal cannot be met for redeem without
removing one of the two slots; deposit, mint and withdraw meet it at every K.

What was evaluated to close the redeem gap (issue #18: the 5% bound is ${bound} against OZ's
${ozRedeem}, so a redeem outside shard 0 at ${ourRedeem} must lose at least ${ourRedeem - bound} gas, i.e. one of the two cold slots: no
execution trim of that size is left, the rest of the redeem costing ${4200 - (ourRedeem - ozRedeem)} less than OZ's):

- **A copy of the price schedule in each shard's word** (written by the harvest, which reads all
  K words anyway): would spare the price word's cold read (2,100: redeem about ${ourRedeem - 2100}, ${pct(BigInt(ourRedeem - 2100), BigInt(ozRedeem))}),
  but the shard word is full (128 bits of supply, 128 of idle) and the copy needs at least the
  end price (95 bits), the time the unlock ends (32) and the deposit-limit flag: 128 bits. Making
  room means either counters of 64 bits (at most 1.8e19 shares, 0.018 of an 18-decimal token at
  the initial 1,000 shares per asset: not a vault), or dropping \`idle\` and using the escrow's token
  balance instead, which counts tokens donated to an escrow as assets (\`totalAssets()\` would move
  by a donation, which the design rules out and \`testFuzz_inflationByDonationFails\` checks). Not done. A copy in the owner's balance word (which has spare bits) is one word per
  account: a harvest cannot refresh them all, so an account's first exit after each report would
  still read the price word; it would help a benchmark that deposits then redeems, not users.
- **Packing the price word with a slot the operation already touches**: the only vault slots
  every deposit and exit touches are the shard word and the account's balance word, i.e. the
  two cases above.
- **Removing the allowance read**: done for shard 0, whose escrow is now the vault itself (its
  token balance is written only by shard 0's users, as any escrow's): exits there pay by
  \`transfer\`, so at K = 1 (a new or quiet vault, before elastic shards spread it) every operation
  is within 5%. For the other shards: letting each escrow pay by \`transfer\` when called by the vault
  measured +695 gas per withdraw/redeem instead of a saving (earlier run): the call to the escrow is
  a cold account access (2,600) plus the call's own execution, against the 2,100 of the cold
  allowance read it avoids. Paying from the vault's own token balance (OZ's way, no allowance) is
  the one slot every exit would write: the conflict the design removes.

So at K = 1 every operation meets the 5% goal; at K > 1 a redeem outside shard 0 stays above it by
the price of one cold slot, deposit, mint and withdraw meet it, and no operation's cost grows with K.

## Operations (Δ against OZ ERC4626)

${table}

## Harvest (a gain booked, its own block), as a function of the shard count K

${harvestTable}

- snapshot design: ${slope("snapshot")}
- schedule design: ${slope("schedule")}
`;
const tmp = join(outDir, ".gas-vault.md.tmp");
writeFileSync(tmp, md);
renameSync(tmp, join(outDir, "gas-vault.md"));
console.log(`\nwrote bench/results/gas-vault.md`);
