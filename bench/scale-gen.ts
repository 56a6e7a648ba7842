/**
 * Fast synthetic-tree generator for the 100,000,000-transaction study (issue #20): pure DuckDB
 * SQL from `range()`, written straight into the columnar layout (src/columnar/layout.ts, format
 * version 1: the same tables, column types, zstd + DuckDB's dictionary encoding, Hive-style
 * block-range partitions and `_disjoint.json`), partition by partition, resumable.
 *
 *   npx tsx bench/scale-gen.ts TREE TXS [--threads 2] [--memory 4GB] [--finish]
 *
 * `--finish` generates nothing more: it makes a tree of the partitions already done (the first
 * ones, in block order), e.g. after a run stopped on purpose.
 *
 * The data is the one bench/scale.ts generates (same seeds, same `hash(i, k)` draws, so the same
 * transactions and accesses; see its header and docs/scale.md "Synthetic data"):
 *   - block = 20,000,000 + i / 200, tx = i % 200 (200 transactions a block);
 *   - sender s = hash(i,1) % 1,000,000 (uniform); token tok = floor(u2^3 * 50), pool
 *     pool = floor(u4^3 * 200) (skewed: u^3 of a uniform u);
 *   - per transaction, in this order: the token balance of s and of h2 = hash(i,3) % 1,000,000
 *     (random 32-byte slots, read+write), the pool's reserve slot 8 (read+write) and config slot 1
 *     (read), three cold slots (contract hash(i,5|7|9) % 1000, key hash(i,6|8|10) % 1000, read),
 *     the fee recipient's balance (kind 3, read+write; one of 5 coinbases per block), the sender's
 *     balance and nonce (kind 1, read+write): 10 accesses, fewer where two draws coincide.
 * What differs from bench/scale.ts is only how: a location that a transaction draws twice is left
 * out by a filter instead of a GROUP BY over every access, rows are sorted by one integer key,
 * and each partition is written to `TREE.building/` and marked done, so an interrupted run
 * resumes at the first unfinished partition; `_disjoint.json` is written and the directory
 * renamed to TREE at the end. Location and contract ids are numbered densely from 0 per
 * partition (ordered by their code, not by first use: readers may not assume an order).
 * Prints one line per partition (rows/s) and a RESULT line.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  COLUMNAR_FORMAT,
  COLUMNAR_VERSION,
  META_FILE,
  PARTITIONED,
  openEngine,
  partitionOf,
  sqlString,
  type Partition,
  type TreeMeta,
} from "../src/columnar/index.js";

export const TXS_PER_BLOCK = 200;
export const PARTITION_BLOCKS = 10_000;
export const FIRST_BLOCK = 20_000_000;
const SENDERS = 1_000_000;
const TOKENS = 50;
const POOLS = 200;
const COLD = 1000;
const COLD_SLOTS = 1000;

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const tree = path.resolve(args[0] ?? "");
const txs = Number(args[1]);
if (!args[0] || !(txs > 0)) {
  console.error("usage: npx tsx bench/scale-gen.ts TREE TXS [--threads 2] [--memory 4GB]");
  process.exit(2);
}
const work = `${tree}.building`;
const doneDir = path.join(work, "_done");
mkdirSync(doneDir, { recursive: true });
const spill = path.join(path.dirname(tree), "spill");
mkdirSync(spill, { recursive: true });

const engine = await openEngine({
  threads: Number(opt("--threads", "2")),
  memoryLimit: opt("--memory", "4GB"),
  tempDirectory: spill,
});
const c0 = engine.connection;
const profile = process.env.GEN_PROFILE === "1";
const c = {
  async run(sql: string) {
    const q0 = performance.now();
    await c0.run(sql);
    if (profile) console.log(`  ${((performance.now() - q0) / 1000).toFixed(1)} s  ${sql.replace(/\s+/g, " ").slice(0, 70)}`);
  },
  runAndReadAll: (sql: string) => c0.runAndReadAll(sql),
};
const u = (k: number) => `(hash(i, ${k}) / 18446744073709551616.0)`;
const address = (k: string) => `'0x' || substr(md5('a' || CAST(${k} AS VARCHAR)) || md5('b' || CAST(${k} AS VARCHAR)), 1, 40)`;
const rand32 = (k: string) => `'0x' || md5('s' || CAST(${k} AS VARCHAR)) || md5('t' || CAST(${k} AS VARCHAR))`;
const perPartition = PARTITION_BLOCKS * TXS_PER_BLOCK;
const finishOnly = args.includes("--finish");
const t0 = performance.now();
let written = 0;
let writtenSecs = 0;
const partitions: Partition[] = [];
try {
  for (let i0 = 0; i0 < txs; i0 += perPartition) {
    const i1 = Math.min(txs, i0 + perPartition);
    const p = partitionOf(FIRST_BLOCK + i0 / TXS_PER_BLOCK, PARTITION_BLOCKS);
    const marker = path.join(doneDir, `${p.label}.json`);
    if (existsSync(marker)) {
      partitions.push(JSON.parse(readFileSync(marker, "utf8")) as Partition);
      continue;
    }
    if (finishOnly) break;
    const p0 = performance.now();
    const file = (t: string, tmp = true) => {
      const d = path.join(work, t, p.label);
      mkdirSync(d, { recursive: true });
      return path.join(d, tmp ? "data_0.parquet.tmp" : "data_0.parquet");
    };
    const copy = (select: string, t: string) => c.run(`COPY (${select}) TO ${sqlString(file(t))} (FORMAT parquet, COMPRESSION zstd)`);
    await c.run(`CREATE OR REPLACE TEMP TABLE t AS
      SELECT i, ${FIRST_BLOCK} + i // ${TXS_PER_BLOCK} AS block, CAST(i % ${TXS_PER_BLOCK} AS INTEGER) AS tx,
        hash(i, 1) % ${SENDERS} AS s, CAST(floor(pow(${u(2)}, 3) * ${TOKENS}) AS BIGINT) AS tok, hash(i, 3) % ${SENDERS} AS h2,
        CAST(floor(pow(${u(4)}, 3) * ${POOLS}) AS BIGINT) AS pool,
        hash(i, 5) % ${COLD} AS c1, hash(i, 6) % ${COLD_SLOTS} AS k1, hash(i, 7) % ${COLD} AS c2, hash(i, 8) % ${COLD_SLOTS} AS k2,
        hash(i, 9) % ${COLD} AS c3, hash(i, 10) % ${COLD_SLOTS} AS k3,
        hash(${FIRST_BLOCK} + i // ${TXS_PER_BLOCK}, 11) % 5 AS cb
      FROM range(${i0}, ${i1}) r(i)`);
    // code: a location; ckey: its account; ord: position in the transaction (the sort key is i * 10 + ord).
    // Draws that repeat an earlier one of the same transaction are filtered out (same result as bench/scale.ts's GROUP BY).
    await c.run(`CREATE OR REPLACE TEMP TABLE a AS
      SELECT i * 10 + 0 AS k, block, tx, 1000000000 + tok * 10000000 + s AS code, 1000000000 + tok AS ckey, 0 AS kind, 3 AS mode FROM t
      UNION ALL SELECT i * 10 + 1, block, tx, 1000000000 + tok * 10000000 + h2, 1000000000 + tok, 0, 3 FROM t WHERE h2 <> s
      UNION ALL SELECT i * 10 + 2, block, tx, 2000000000 + pool * 2, 2000000000 + pool, 0, 3 FROM t
      UNION ALL SELECT i * 10 + 3, block, tx, 2000000000 + pool * 2 + 1, 2000000000 + pool, 0, 1 FROM t
      UNION ALL SELECT i * 10 + 4, block, tx, 3000000000 + c1 * 1000000 + k1, 3000000000 + c1, 0, 1 FROM t
      UNION ALL SELECT i * 10 + 5, block, tx, 3000000000 + c2 * 1000000 + k2, 3000000000 + c2, 0, 1 FROM t WHERE c2 <> c1 OR k2 <> k1
      UNION ALL SELECT i * 10 + 6, block, tx, 3000000000 + c3 * 1000000 + k3, 3000000000 + c3, 0, 1 FROM t
        WHERE (c3 <> c1 OR k3 <> k1) AND (c3 <> c2 OR k3 <> k2)
      UNION ALL SELECT i * 10 + 7, block, tx, 4000000000 + cb, 4000000000 + cb, 3, 3 FROM t
      UNION ALL SELECT i * 10 + 8, block, tx, 5000000000 + s * 2, 5000000000 + s, 1, 3 FROM t
      UNION ALL SELECT i * 10 + 9, block, tx, 5000000000 + s * 2 + 1, 5000000000 + s, 1, 3 FROM t`);
    await c.run(`CREATE OR REPLACE TEMP TABLE loc AS
      SELECT code, ckey, CAST(row_number() OVER (ORDER BY code) - 1 AS INTEGER) AS location FROM (SELECT DISTINCT code, ckey FROM a)`);
    await c.run(`CREATE OR REPLACE TEMP TABLE con AS
      SELECT ckey, CAST(row_number() OVER (ORDER BY ckey) - 1 AS INTEGER) AS contract FROM (SELECT DISTINCT ckey FROM loc)`);
    await copy(
      `SELECT a.block, a.tx, l.location, CAST(a.kind AS TINYINT) AS kind, CAST(a.mode AS TINYINT) AS mode
       FROM a JOIN loc l ON l.code = a.code ORDER BY a.k`,
      "accesses",
    );
    await copy(`SELECT contract, ${address("ckey")} AS address FROM con ORDER BY contract`, "contracts");
    await copy(
      `SELECT l.location, c.contract,
        CASE WHEN l.code < 2000000000 THEN ${rand32("l.code")}
             WHEN l.code < 3000000000 THEN '0x' || lpad(CASE WHEN l.code % 2 = 0 THEN '8' ELSE '1' END, 64, '0')
             WHEN l.code < 4000000000 THEN ${rand32("l.code")}
             WHEN l.code < 5000000000 OR l.code % 2 = 0 THEN 'balance' ELSE 'nonce' END AS slot
       FROM loc l JOIN con c ON c.ckey = l.ckey ORDER BY l.location`,
      "locations",
    );
    await copy(
      `SELECT block, tx, '0x' || md5('h' || CAST(i AS VARCHAR)) || md5('g' || CAST(i AS VARCHAR)) AS hash,
        ${address("5000000000 + s")} AS sender, ${address("2000000000 + pool")} AS recipient, '0x022c0d9f' AS selector,
        CAST(pool % 4 AS INTEGER) AS function, CAST(50000 + hash(i, 20) % 100000 AS BIGINT) AS gas_used, 'success' AS status,
        CAST(NULL AS VARCHAR) AS costs, CAST(NULL AS VARCHAR) AS declared
       FROM t ORDER BY i`,
      "txs",
    );
    await copy(
      `SELECT block, '0x' || md5('b' || CAST(block AS VARCHAR)) || md5('c' || CAST(block AS VARCHAR)) AS hash,
        ${address("4000000000 + MIN(cb)")} AS coinbase, CAST(SUM(50000 + hash(i, 20) % 100000) AS BIGINT) AS gas_used,
        CAST(1704067200 + (block - ${FIRST_BLOCK}) * 12 AS BIGINT) AS timestamp, false AS block_reads
       FROM t GROUP BY block ORDER BY block`,
      "blocks",
    );
    await copy(`SELECT CAST(f AS INTEGER) AS function, 'Pool' || CAST(f AS VARCHAR) || '.swap' AS name FROM range(0, 4) r(f)`, "functions");
    const n = Number((await c.runAndReadAll("SELECT COUNT(*) FROM a")).getRows()[0][0]);
    for (const t of PARTITIONED) renameSync(file(t), file(t, false));
    const part: Partition = { label: p.label, lo: p.lo, hi: p.hi, blocks: Math.ceil((i1 - i0) / TXS_PER_BLOCK), txs: i1 - i0, accesses: n };
    writeFileSync(marker, JSON.stringify(part));
    partitions.push(part);
    const secs = (performance.now() - p0) / 1000;
    written += n;
    writtenSecs += secs;
    console.log(
      `${new Date().toISOString()} ${p.label}: ${n} accesses in ${secs.toFixed(1)} s (${Math.round(n / secs)}/s); ${i1} of ${txs} txs`,
    );
  }
  await c.run("DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS a; DROP TABLE IF EXISTS loc; DROP TABLE IF EXISTS con");
  // Unfinished partitions (files still *.tmp) are not part of the tree.
  const done = new Set(partitions.map((p) => p.label));
  for (const t of PARTITIONED)
    for (const d of existsSync(path.join(work, t)) ? readdirSync(path.join(work, t)) : [])
      if (!done.has(d)) rmSync(path.join(work, t, d), { recursive: true, force: true });
  mkdirSync(path.join(work, "names"), { recursive: true });
  await c.run(
    `COPY (SELECT CAST(NULL AS VARCHAR) AS address, CAST(NULL AS VARCHAR) AS slot, CAST(NULL AS VARCHAR) AS name WHERE false) TO ${sqlString(path.join(work, "names", "data_0.parquet"))} (FORMAT parquet)`,
  );
} finally {
  engine.close();
}
const meta: TreeMeta = {
  format: COLUMNAR_FORMAT,
  version: COLUMNAR_VERSION,
  source: { kind: "synthetic", description: `bench/scale-gen.ts, ${partitions.reduce((n, p) => n + p.txs, 0)} txs` },
  precision: { reads: "tx", writes: "tx" },
  partitionBlocks: PARTITION_BLOCKS,
  partitions,
  names: null,
};
writeFileSync(path.join(work, META_FILE), JSON.stringify(meta, null, 1) + "\n");
rmSync(doneDir, { recursive: true, force: true });
rmSync(tree, { recursive: true, force: true });
renameSync(work, tree);
const accesses = partitions.reduce((s, p) => s + p.accesses, 0);
const treeTxs = partitions.reduce((s, p) => s + p.txs, 0);
console.log(
  "RESULT " +
    JSON.stringify({
      txs: treeTxs,
      accesses,
      secs: (performance.now() - t0) / 1000,
      writtenThisRun: written,
      writeSecsThisRun: writtenSecs,
      peakRss: process.resourceUsage().maxRSS * 1024,
    }),
);
