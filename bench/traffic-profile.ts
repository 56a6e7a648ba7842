/**
 * Mainnet traffic profile (issue #18): how many transactions per block touch the busiest
 * lending markets, vaults and pools, measured on the shipped corpus:
 * - fixtures/bal/consecutive/: the 50 consecutive EIP-7928 BALs of blocks 20,615,532..581;
 * - fixtures/mainnet/<n>/access-sets.json.gz: the 50 replayed corpus blocks (Frontier..Cancun).
 * A transaction "touches" a contract when it writes the contract's storage (a deposit, a
 * withdrawal, a swap, a borrow, a share transfer, ...): BALs carry writes per transaction and
 * reads only per block, so writes are the one per-transaction measure both sources share.
 * Contracts are named from a table of well-known mainnet addresses (below); the busiest
 * unnamed contracts are listed too, so a missing name shows.
 *   node --import tsx bench/traffic-profile.ts     → prints, writes bench/results/traffic-profile.md
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { writeFileAtomic } from "../src/access/io.js";
import { balToBlock, parseBal } from "../src/capture/bal.js";
import { markdownTable, textTable } from "../src/util/tables.js";

type Category = "lending" | "vault" | "pool";
/** Well-known mainnet contracts (lower-cased below). Singletons hold many markets or pools. */
const KNOWN: Record<string, [Category, string]> = {
  "0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2": ["lending", "Aave V3 Pool (all reserves)"],
  "0x7d2768dE32b0b80b7a3454c06BdAc94A69DDc7A9": ["lending", "Aave V2 LendingPool (all reserves)"],
  "0xC13e21B648A5Ee794902342038FF3aDAB66BE987": ["lending", "Spark Pool (all reserves)"],
  "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb": ["lending", "Morpho Blue (all markets)"],
  "0xc3d688B66703497DAA19211EEdff47f25384cdc3": ["lending", "Compound V3 cUSDCv3"],
  "0xA17581A9E3356d9A858b789D68B4d866e593aE94": ["lending", "Compound V3 cWETHv3"],
  "0x3d9819210A31b4961b30EF54bE2aeD79B9c9Cd3B": ["lending", "Compound V2 Comptroller"],
  "0x4Ddc2D193948926D02f9B1fE9e1daa0718270ED5": ["lending", "Compound V2 cETH"],
  "0x39AA39c021dfbaE8faC545936693aC917d5E7563": ["lending", "Compound V2 cUSDC"],
  "0x5d3a536E4D6DbD6114cc1Ead35777bAB948E3643": ["lending", "Compound V2 cDAI"],
  "0x83F20F44975D03b1b09e64809B757c47f942BEeA": ["vault", "sDAI (ERC-4626)"],
  "0x9D39A5DE30e57443BfF2A8307A4256c8797A3497": ["vault", "sUSDe (ERC-4626)"],
  "0xac3E018457B222d93114458476f3E3416Abbe38F": ["vault", "sfrxETH (ERC-4626)"],
  "0xBEEF01735c132Ada46AA9aA4c54623cAA92A64CB": ["vault", "Steakhouse USDC (MetaMorpho)"],
  "0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0": ["vault", "wstETH (share wrapper)"],
  "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc": ["pool", "Uniswap V2 USDC/WETH"],
  "0x0d4a11d5EEaaC28EC3F61d100daF4d40471f1852": ["pool", "Uniswap V2 WETH/USDT"],
  "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640": ["pool", "Uniswap V3 USDC/WETH 0.05%"],
  "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8": ["pool", "Uniswap V3 USDC/WETH 0.3%"],
  "0x11b815efB8f581194ae79006d24E0d814B7697F6": ["pool", "Uniswap V3 WETH/USDT 0.05%"],
  "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36": ["pool", "Uniswap V3 WETH/USDT 0.3%"],
  "0xCBCdF9626bC03E24f779434178A73a0B4bad62eD": ["pool", "Uniswap V3 WBTC/WETH 0.3%"],
  "0xbEbc44782C7dB0a1A60Cb6fe97d0b483032FF1C7": ["pool", "Curve 3pool"],
};
const known = new Map(Object.entries(KNOWN).map(([a, v]) => [a.toLowerCase(), v]));

/** Per block: contract address -> transactions that wrote its storage. */
type Touches = Map<string, number>;
interface Source {
  name: string;
  blocks: { number: number; txs: number; touches: Touches }[];
}

function touchesOf(txs: { storage: { writes: [string, string][] } }[]): Touches {
  const t: Touches = new Map();
  for (const tx of txs) {
    for (const a of new Set(tx.storage.writes.map(([acct]) => acct.toLowerCase()))) t.set(a, (t.get(a) ?? 0) + 1);
  }
  return t;
}

const fixtures = fileURLToPath(new URL("../fixtures", import.meta.url));
async function balSource(): Promise<Source> {
  const dir = join(fixtures, "bal", "consecutive");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".rlp.gz")).sort();
  const blocks = [];
  for (const f of files) {
    const raw = gunzipSync(await readFile(join(dir, f)));
    const { block } = balToBlock(parseBal(raw, f), f, { indexBase: "auto" });
    blocks.push({ number: block.number, txs: block.txs.length, touches: touchesOf(block.txs) });
  }
  return { name: `50 consecutive BALs (${blocks[0].number}..${blocks.at(-1)!.number})`, blocks };
}
async function corpusSource(): Promise<Source> {
  const dir = join(fixtures, "mainnet");
  const numbers = (await readdir(dir))
    .map(Number)
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
  const blocks = [];
  for (const n of numbers) {
    const file = JSON.parse(gunzipSync(await readFile(join(dir, String(n), "access-sets.json.gz"))).toString("utf8"));
    for (const b of file.blocks) blocks.push({ number: b.number, txs: b.txs.length, touches: touchesOf(b.txs) });
  }
  return { name: `50 replayed corpus blocks (${numbers[0]}..${numbers.at(-1)})`, blocks };
}

const sources = [await balSource(), await corpusSource()];
const HIST = ["0", "1", "2", "3", "4-7", "8+"];
const bucket = (n: number) => (n <= 3 ? String(n) : n < 8 ? "4-7" : "8+");
const fmt = (x: number) => x.toFixed(2);

const sections: string[] = [];
const profile: Record<string, Record<Category, number[]>> = {};
for (const s of sources) {
  // Per named contract: mean, share of blocks by count, max.
  const rows: string[][] = [["contract", "category", "mean txs/block", ...HIST.map((h) => `blocks with ${h}`), "max"]];
  const named = [...known.entries()].map(([addr, [cat, label]]) => {
    const counts = s.blocks.map((b) => b.touches.get(addr) ?? 0);
    return { addr, cat, label, counts, mean: counts.reduce((x, y) => x + y, 0) / counts.length };
  });
  named.sort((a, b) => b.mean - a.mean);
  for (const c of named) {
    if (c.mean === 0) continue;
    const hist = HIST.map((h) => c.counts.filter((n) => bucket(n) === h).length);
    rows.push([c.label, c.cat, fmt(c.mean), ...hist.map(String), String(Math.max(...c.counts))]);
  }
  // Per category: the busiest named contract of the category in each block.
  const catRows: string[][] = [["category", "busiest contract per block: mean", "median", ...HIST.map((h) => `blocks with ${h}`), "max"]];
  profile[s.name] = {} as Record<Category, number[]>;
  for (const cat of ["lending", "vault", "pool"] as Category[]) {
    const busiest = s.blocks.map((b) => Math.max(0, ...named.filter((c) => c.cat === cat).map((c) => b.touches.get(c.addr) ?? 0)));
    profile[s.name][cat] = busiest;
    const sorted = [...busiest].sort((a, b) => a - b);
    const hist = HIST.map((h) => busiest.filter((n) => bucket(n) === h).length);
    catRows.push([
      cat,
      fmt(busiest.reduce((x, y) => x + y, 0) / busiest.length),
      String(sorted[Math.floor(sorted.length / 2)]),
      ...hist.map(String),
      String(sorted.at(-1)),
    ]);
  }
  // The busiest contracts of the source overall, named or not.
  const total = new Map<string, number>();
  for (const b of s.blocks) for (const [a, n] of b.touches) total.set(a, (total.get(a) ?? 0) + n);
  const top = [...total.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const topRows = [
    ["contract", "name", "mean txs/block"],
    ...top.map(([a, n]) => [a, known.get(a)?.[1] ?? "(not in the table)", fmt(n / s.blocks.length)]),
  ];
  const meanTxs = s.blocks.reduce((x, b) => x + b.txs, 0) / s.blocks.length;
  console.log(`\n${s.name}: ${s.blocks.length} blocks, ${fmt(meanTxs)} txs/block`);
  console.log(textTable(catRows));
  console.log(textTable(rows));
  sections.push(
    [
      `## ${s.name}`,
      "",
      `${s.blocks.length} blocks, ${fmt(meanTxs)} transactions per block on average.`,
      "",
      "The busiest named contract of each category, per block:",
      "",
      markdownTable(catRows),
      "",
      "Each named contract that any transaction touched:",
      "",
      markdownTable(rows),
      "",
      "The busiest contracts overall (tokens lead: every transfer writes a balance):",
      "",
      markdownTable(topRows),
      "",
    ].join("\n"),
  );
}

const md = [
  "# Mainnet traffic profile: transactions per block that touch the busiest markets, vaults and pools",
  "",
  "Command: `./dj node --import tsx bench/traffic-profile.ts` (reads only fixtures/; writes this file).",
  "",
  "A transaction touches a contract when it writes the contract's storage (BALs give writes per",
  "transaction and reads per block only, so reads are not counted: a view call is not an operation).",
  "A singleton (Aave's Pool, Morpho Blue, Compound's Comptroller) holds many markets: its count is an",
  "upper bound on any one market's. Share transfers of a vault count as touches too.",
  "Contracts are named from the table in bench/traffic-profile.ts; the busiest unnamed ones are listed.",
  "",
  ...sections,
  "## The arrival pattern used by the traffic workload",
  "",
  "`src/workload/traffic.ts` draws, per block, the number of operations on the busiest vault and on",
  "the busiest lending market from the per-block counts of the 50 consecutive BALs above (the recent,",
  "contiguous window; the corpus blocks span 2015..2024 and include years before these products existed):",
  "",
  "```json",
  JSON.stringify({
    lending: profile[sources[0].name].lending,
    vault: profile[sources[0].name].vault,
    pool: profile[sources[0].name].pool,
  }),
  "```",
  "",
].join("\n");
await writeFileAtomic(join(fileURLToPath(new URL(".", import.meta.url)), "results", "traffic-profile.md"), md);
console.log("\nwrote bench/results/traffic-profile.md");
