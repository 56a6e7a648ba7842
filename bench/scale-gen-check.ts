/**
 * Checks that two synthetic trees have the same distributions (issue #20): the reference
 * generator's (bench/scale.ts, BENCH_PART=gen) and the fast one's (bench/scale-gen.ts), over the
 * blocks both hold. Prints, for each tree, accesses per transaction, accesses by kind and mode,
 * the share of accesses on hot locations (touched by more than one transaction of the block)
 * and on the top 1% of locations, distinct locations and contracts; then the accesses, as
 * (block, tx, contract address, slot, kind, mode), that are in one tree and not the other.
 *
 *   npx tsx bench/scale-gen-check.ts TREE_A TREE_B [--to BLOCK]
 */
import { openEngine, sqlString, tableGlob } from "../src/columnar/index.js";

const [a, b] = process.argv.slice(2, 4);
const toIdx = process.argv.indexOf("--to");
const to = toIdx > 0 ? Number(process.argv[toIdx + 1]) : Number.MAX_SAFE_INTEGER;
if (!a || !b) {
  console.error("usage: npx tsx bench/scale-gen-check.ts TREE_A TREE_B [--to BLOCK]");
  process.exit(2);
}
const engine = await openEngine({ threads: 2, memoryLimit: "3GB" });
const c = engine.connection;
const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRows();
const pq = (tree: string, t: "accesses" | "locations" | "contracts" | "txs") =>
  `read_parquet(${sqlString(tableGlob(tree, t))}, hive_partitioning = true)`;
const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));
try {
  for (const [name, tree] of [
    ["A", a],
    ["B", b],
  ] as const) {
    await c.run(`CREATE OR REPLACE TEMP VIEW acc_${name} AS SELECT * FROM ${pq(tree, "accesses")} WHERE block <= ${to}`);
    await c.run(`CREATE OR REPLACE TEMP VIEW keyed_${name} AS
      SELECT x.block, x.tx, ct.address, l.slot, x.kind, x.mode FROM acc_${name} x
      JOIN ${pq(tree, "locations")} l ON l.blocks = x.blocks AND l.location = x.location
      JOIN ${pq(tree, "contracts")} ct ON ct.blocks = l.blocks AND ct.contract = l.contract`);
  }
  const stats: [string, string][] = [
    ["transactions", `SELECT COUNT(*) FROM (SELECT DISTINCT block, tx FROM acc_X)`],
    ["accesses", `SELECT COUNT(*) FROM acc_X`],
    [
      "accesses per tx: histogram",
      `SELECT string_agg(n || ':' || c, ' ' ORDER BY n) FROM (SELECT n, COUNT(*) AS c FROM (SELECT COUNT(*) AS n FROM acc_X GROUP BY block, tx) GROUP BY n)`,
    ],
    [
      "accesses by kind (share)",
      `SELECT string_agg(kind || ':' || round(s, 5), ' ' ORDER BY kind) FROM (SELECT kind, COUNT(*) / SUM(COUNT(*)) OVER () AS s FROM acc_X GROUP BY kind)`,
    ],
    [
      "accesses by mode (share)",
      `SELECT string_agg(mode || ':' || round(s, 5), ' ' ORDER BY mode) FROM (SELECT mode, COUNT(*) / SUM(COUNT(*)) OVER () AS s FROM acc_X GROUP BY mode)`,
    ],
    [
      "share of accesses on a location another tx of the block touches",
      `SELECT round(SUM(CASE WHEN n > 1 THEN n ELSE 0 END) / SUM(n), 5) FROM (SELECT COUNT(*) AS n FROM acc_X GROUP BY blocks, block, location)`,
    ],
    [
      "share of accesses on the top 1% of locations",
      `SELECT round(SUM(CASE WHEN r <= 0.01 * cnt THEN n ELSE 0 END) / SUM(n), 5) FROM (SELECT n, row_number() OVER (ORDER BY n DESC) AS r, COUNT(*) OVER () AS cnt FROM (SELECT COUNT(*) AS n FROM acc_X GROUP BY blocks, location))`,
    ],
    ["distinct locations", `SELECT COUNT(*) FROM (SELECT DISTINCT blocks, location FROM acc_X)`],
    ["distinct (address, slot) keys", `SELECT COUNT(*) FROM (SELECT DISTINCT address, slot FROM keyed_X)`],
  ];
  console.log("| statistic | A | B |\n| --- | --- | --- |");
  for (const [label, sql] of stats) {
    const va = (await rows(sql.replace(/_X/g, "_A")))[0][0];
    const vb = (await rows(sql.replace(/_X/g, "_B")))[0][0];
    console.log(`| ${label} | ${fmt(typeof va === "bigint" ? Number(va) : va)} | ${fmt(typeof vb === "bigint" ? Number(vb) : vb)} |`);
  }
  const onlyA = Number((await rows(`SELECT COUNT(*) FROM (SELECT * FROM keyed_A EXCEPT ALL SELECT * FROM keyed_B)`))[0][0]);
  const onlyB = Number((await rows(`SELECT COUNT(*) FROM (SELECT * FROM keyed_B EXCEPT ALL SELECT * FROM keyed_A)`))[0][0]);
  console.log(`\naccesses (block, tx, address, slot, kind, mode) only in A: ${onlyA}; only in B: ${onlyB}`);
} finally {
  engine.close();
}
