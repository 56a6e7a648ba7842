/**
 * Benchmark of the columnar (Parquet) access-set format at scale (issue #20), on synthetic
 * data shaped like the shipped corpus: blocks of 200 transactions, 10 distinct accesses each
 * (fee recipient balance, sender balance and nonce; two token balances in random 32-byte
 * slots, a pool reserve written by every swap and a pool config read, three cold slots read),
 * token and pool choice skewed (u^3), 1,000,000 senders, random 32-byte transaction hashes.
 * The trees are generated with DuckDB SQL straight into the tree layout (src/columnar/layout.ts)
 * under /tmp/scale, which is deleted at the end.
 *
 * Steps, each in its own process (peak RSS from /usr/bin/time):
 *   1. SCALE_SMALL_TXS (default 1,000,000) transactions: tree size and bytes per access;
 *      `npx hardhat conflicts analyze TREE --quiet --md ...` end to end.
 *   2. Producer write throughput: the 1M tree streamed block by block (streamColumnarBlocks)
 *      into a ColumnarWriter (the path every producer's saveAccessSetFile(*.parquet) takes),
 *      against a read-only pass of the same stream.
 *   3. SCALE_BIG_TXS (default 100,000,000) transactions in partitions of 10,000 blocks:
 *      generation time, size, and `npx hardhat conflicts study TREE` (all built-in queries and
 *      the chain pass) end to end.
 *
 *   npx hardhat run bench/scale.ts            (SCALE_BIG_TXS=10000000 for a shorter run)
 * Writes bench/results/scale.md (atomically).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, readdirSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../src/access/index.js";
import {
  COLUMNAR_FORMAT,
  COLUMNAR_VERSION,
  ColumnarWriter,
  META_FILE,
  openEngine,
  partitionOf,
  readTreeMeta,
  sqlString,
  streamColumnarBlocks,
  type Partition,
  type TreeMeta,
} from "../src/columnar/index.js";

const ROOT_TMP = "/tmp/scale";
const TXS_PER_BLOCK = 200;
const PARTITION_BLOCKS = 10_000;
const FIRST_BLOCK = 20_000_000;
const SENDERS = 1_000_000;
const TOKENS = 50;
const POOLS = 200;
const COLD = 1000;
const COLD_SLOTS = 1000;
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

function dirSize(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return n;
}

/** Generates a synthetic tree of `txs` transactions with DuckDB SQL, partition by partition. */
async function generate(tree: string, txs: number): Promise<{ accesses: number }> {
  const tmp = `${tree}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const engine = await openEngine({ memoryLimit: "1500MB", tempDirectory: path.join(ROOT_TMP, "spill") });
  const c = engine.connection;
  const u = (k: number) => `(hash(i, ${k}) / 18446744073709551616.0)`;
  const partitions: Partition[] = [];
  let accesses = 0;
  const perPartition = PARTITION_BLOCKS * TXS_PER_BLOCK;
  try {
    for (let i0 = 0; i0 < txs; i0 += perPartition) {
      const i1 = Math.min(txs, i0 + perPartition);
      const p = partitionOf(FIRST_BLOCK + i0 / TXS_PER_BLOCK, PARTITION_BLOCKS);
      const out = (t: string) => {
        const d = path.join(tmp, t, p.label);
        mkdirSync(d, { recursive: true });
        return sqlString(path.join(d, "data_0.parquet"));
      };
      await c.run(`CREATE OR REPLACE TEMP TABLE t AS
        SELECT i, ${FIRST_BLOCK} + i // ${TXS_PER_BLOCK} AS block, CAST(i % ${TXS_PER_BLOCK} AS INTEGER) AS tx,
          hash(i, 1) % ${SENDERS} AS s, CAST(floor(pow(${u(2)}, 3) * ${TOKENS}) AS BIGINT) AS tok, hash(i, 3) % ${SENDERS} AS h2,
          CAST(floor(pow(${u(4)}, 3) * ${POOLS}) AS BIGINT) AS pool,
          hash(i, 5) % ${COLD} AS c1, hash(i, 6) % ${COLD_SLOTS} AS k1, hash(i, 7) % ${COLD} AS c2, hash(i, 8) % ${COLD_SLOTS} AS k2,
          hash(i, 9) % ${COLD} AS c3, hash(i, 10) % ${COLD_SLOTS} AS k3,
          hash(${FIRST_BLOCK} + i // ${TXS_PER_BLOCK}, 11) % 5 AS cb
        FROM range(${i0}, ${i1}) r(i)`);
      // code: a location; ckey: its contract (account). Modes 1 read, 3 read+write; kinds 0 storage, 1 account, 3 fee recipient.
      await c.run(`CREATE OR REPLACE TEMP TABLE a AS
        SELECT block, tx, code, ckey, kind, MAX(mode) AS mode, MIN(ord) AS ord FROM (
          SELECT block, tx, 0 AS ord, 1000000000 + tok * 10000000 + s AS code, 1000000000 + tok AS ckey, 0 AS kind, 3 AS mode FROM t
          UNION ALL SELECT block, tx, 1, 1000000000 + tok * 10000000 + h2, 1000000000 + tok, 0, 3 FROM t
          UNION ALL SELECT block, tx, 2, 2000000000 + pool * 2, 2000000000 + pool, 0, 3 FROM t
          UNION ALL SELECT block, tx, 3, 2000000000 + pool * 2 + 1, 2000000000 + pool, 0, 1 FROM t
          UNION ALL SELECT block, tx, 4, 3000000000 + c1 * 1000000 + k1, 3000000000 + c1, 0, 1 FROM t
          UNION ALL SELECT block, tx, 5, 3000000000 + c2 * 1000000 + k2, 3000000000 + c2, 0, 1 FROM t
          UNION ALL SELECT block, tx, 6, 3000000000 + c3 * 1000000 + k3, 3000000000 + c3, 0, 1 FROM t
          UNION ALL SELECT block, tx, 7, 4000000000 + cb, 4000000000 + cb, 3, 3 FROM t
          UNION ALL SELECT block, tx, 8, 5000000000 + s * 2, 5000000000 + s, 1, 3 FROM t
          UNION ALL SELECT block, tx, 9, 5000000000 + s * 2 + 1, 5000000000 + s, 1, 3 FROM t
        ) GROUP BY block, tx, code, ckey, kind`);
      await c.run(
        `CREATE OR REPLACE TEMP TABLE loc AS SELECT code, ckey, CAST(row_number() OVER (ORDER BY code) - 1 AS INTEGER) AS location FROM (SELECT DISTINCT code, ckey FROM a)`,
      );
      await c.run(
        `CREATE OR REPLACE TEMP TABLE con AS SELECT ckey, CAST(row_number() OVER (ORDER BY ckey) - 1 AS INTEGER) AS contract FROM (SELECT DISTINCT ckey FROM loc)`,
      );
      const address = (k: string) => `'0x' || substr(md5('a' || CAST(${k} AS VARCHAR)) || md5('b' || CAST(${k} AS VARCHAR)), 1, 40)`;
      const rand32 = (k: string) => `'0x' || md5('s' || CAST(${k} AS VARCHAR)) || md5('t' || CAST(${k} AS VARCHAR))`;
      await c.run(`COPY (SELECT a.block, a.tx, l.location, CAST(a.kind AS TINYINT) AS kind, CAST(a.mode AS TINYINT) AS mode
        FROM a JOIN loc l ON l.code = a.code ORDER BY a.block, a.tx, a.ord) TO ${out("accesses")} (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(
        `COPY (SELECT contract, ${address("ckey")} AS address FROM con ORDER BY contract) TO ${out("contracts")} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await c.run(`COPY (SELECT l.location, c.contract,
          CASE WHEN l.code < 2000000000 THEN ${rand32("l.code")}
               WHEN l.code < 3000000000 THEN '0x' || lpad(CASE WHEN l.code % 2 = 0 THEN '8' ELSE '1' END, 64, '0')
               WHEN l.code < 4000000000 THEN ${rand32("l.code")}
               WHEN l.code < 5000000000 OR l.code % 2 = 0 THEN 'balance' ELSE 'nonce' END AS slot
        FROM loc l JOIN con c ON c.ckey = l.ckey ORDER BY l.location) TO ${out("locations")} (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(`COPY (SELECT block, tx, '0x' || md5('h' || CAST(i AS VARCHAR)) || md5('g' || CAST(i AS VARCHAR)) AS hash,
          ${address("5000000000 + s")} AS sender, ${address("2000000000 + pool")} AS recipient, '0x022c0d9f' AS selector,
          CAST(pool % 4 AS INTEGER) AS function, CAST(50000 + hash(i, 20) % 100000 AS BIGINT) AS gas_used, 'success' AS status,
          CAST(NULL AS VARCHAR) AS costs, CAST(NULL AS VARCHAR) AS declared
        FROM t ORDER BY i) TO ${out("txs")} (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(`COPY (SELECT block, '0x' || md5('b' || CAST(block AS VARCHAR)) || md5('c' || CAST(block AS VARCHAR)) AS hash,
          ${address("4000000000 + MIN(cb)")} AS coinbase, CAST(SUM(50000 + hash(i, 20) % 100000) AS BIGINT) AS gas_used,
          CAST(1704067200 + (block - ${FIRST_BLOCK}) * 12 AS BIGINT) AS timestamp, false AS block_reads
        FROM t GROUP BY block ORDER BY block) TO ${out("blocks")} (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(
        `COPY (SELECT CAST(f AS INTEGER) AS function, 'Pool' || CAST(f AS VARCHAR) || '.swap' AS name FROM range(0, 4) r(f)) TO ${out("functions")} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const n = Number((await c.runAndReadAll("SELECT COUNT(*) FROM a")).getRows()[0][0]);
      accesses += n;
      partitions.push({ label: p.label, lo: p.lo, hi: p.hi, blocks: Math.ceil((i1 - i0) / TXS_PER_BLOCK), txs: i1 - i0, accesses: n });
      process.stderr.write(`generated ${p.label}: ${i1} of ${txs} txs\n`);
    }
    mkdirSync(path.join(tmp, "names"), { recursive: true });
    await c.run(
      `COPY (SELECT CAST(NULL AS VARCHAR) AS address, CAST(NULL AS VARCHAR) AS slot, CAST(NULL AS VARCHAR) AS name WHERE false) TO ${sqlString(path.join(tmp, "names", "data_0.parquet"))} (FORMAT parquet)`,
    );
  } finally {
    engine.close();
  }
  const meta: TreeMeta = {
    format: COLUMNAR_FORMAT,
    version: COLUMNAR_VERSION,
    source: { kind: "synthetic", description: `bench/scale.ts, ${txs} txs` },
    precision: { reads: "tx", writes: "tx" },
    partitionBlocks: PARTITION_BLOCKS,
    partitions,
    names: null,
  };
  await writeFile(path.join(tmp, META_FILE), JSON.stringify(meta, null, 1) + "\n");
  rmSync(tree, { recursive: true, force: true });
  await rename(tmp, tree);
  return { accesses };
}

const part = process.env.BENCH_PART;
const tree = process.env.BENCH_TREE ?? "";
const result = (o: Record<string, number>) =>
  console.log("RESULT " + JSON.stringify({ ...o, peak: process.resourceUsage().maxRSS * 1024 }));
if (part === "gen") {
  const t0 = performance.now();
  const { accesses } = await generate(tree, Number(process.env.BENCH_TXS));
  result({ secs: (performance.now() - t0) / 1000, accesses });
  process.exit(0);
}
if (part === "stream") {
  // Read-only pass, then the same stream into a ColumnarWriter (what producers call).
  let t0 = performance.now();
  let txs = 0;
  let accesses = 0;
  for await (const b of streamColumnarBlocks(tree)) {
    txs += b.txs.length;
    for (const t of b.txs) accesses += t.storage.reads.length + t.accounts.reads.length;
  }
  const readSecs = (performance.now() - t0) / 1000;
  const meta = await readTreeMeta(tree);
  t0 = performance.now();
  const w = await ColumnarWriter.create(`${tree}-copy`, {
    source: meta.source,
    precision: meta.precision,
    partitionBlocks: meta.partitionBlocks,
  });
  for await (const b of streamColumnarBlocks(tree)) await w.addBlock(b);
  await w.finish();
  const copySecs = (performance.now() - t0) / 1000;
  rmSync(`${tree}-copy`, { recursive: true, force: true });
  result({ txs, accesses, readSecs, copySecs });
  process.exit(0);
}

const root = path.join(import.meta.dirname, "..");
const SMALL = Number(process.env.SCALE_SMALL_TXS ?? 1_000_000);
const BIG = Number(process.env.SCALE_BIG_TXS ?? 100_000_000);
const child = (p: string, env: Record<string, string>) => {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "run", "bench/scale.ts"], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_PART: p },
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`bench child ${p} failed:\n${r.stdout}`);
  return JSON.parse(line.slice(7)) as Record<string, number>;
};
/** Runs a hardhat task under /usr/bin/time: wall seconds, CPU seconds (user + system), peak RSS and the load average at the end. */
const timed = (args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %M %U %S", "npx", "hardhat", ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, CI: "true" },
  });
  const secs = (performance.now() - t0) / 1000;
  const line = r.stderr.split("\n").find((x) => x.startsWith("TIME "));
  if (r.status !== 0 || !line) throw new Error(`npx hardhat ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const f = line.split(" ");
  return { secs, peak: Number(f[2]) * 1024, cpu: Number(f[3]) + Number(f[4]), load: os.loadavg()[0] };
};

rmSync(ROOT_TMP, { recursive: true, force: true });
mkdirSync(ROOT_TMP, { recursive: true });
try {
  const smallTree = path.join(ROOT_TMP, "small.parquet");
  const g1 = child("gen", { BENCH_TREE: smallTree, BENCH_TXS: String(SMALL) });
  const size1 = dirSize(smallTree);
  const accSize1 = dirSize(path.join(smallTree, "accesses"));
  console.log(
    `small: ${SMALL} txs, ${g1.accesses} accesses, ${mib(size1)} MiB (${(size1 / g1.accesses!).toFixed(2)} B/access), generated in ${g1.secs!.toFixed(1)} s`,
  );
  const an = timed(["conflicts", "analyze", smallTree, "--quiet", "--md", path.join(ROOT_TMP, "analysis.md")]);
  console.log(`analyze: ${an.secs.toFixed(2)} s, peak RSS ${mib(an.peak)} MiB`);
  const st = child("stream", { BENCH_TREE: smallTree });
  console.log(`stream: read ${st.readSecs!.toFixed(1)} s, read+write ${st.copySecs!.toFixed(1)} s`);
  rmSync(smallTree, { recursive: true, force: true });

  const bigTree = path.join(ROOT_TMP, "big.parquet");
  const g2 = child("gen", { BENCH_TREE: bigTree, BENCH_TXS: String(BIG) });
  const size2 = dirSize(bigTree);
  console.log(`big: ${BIG} txs, ${g2.accesses} accesses, ${mib(size2)} MiB, generated in ${g2.secs!.toFixed(1)} s`);
  const studyJson = path.join(ROOT_TMP, "study.json");
  const sd = timed(["conflicts", "study", bigTree, "--quiet", "--json", studyJson, "--memory", "3GB"]);
  const study = JSON.parse(readFileSync(studyJson, "utf8")) as {
    sections: { name: string; seconds: number; rows: unknown[][]; columns: string[] }[];
  };
  console.log(`study: ${sd.secs.toFixed(1)} s, peak RSS ${mib(sd.peak)} MiB`);

  const writeSecs = Math.max(0, st.copySecs! - st.readSecs!);
  const md = [
    "# Columnar access sets at scale",
    "",
    `Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores shared with six other engineers' jobs; load average ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}, DuckDB via @duckdb/node-api.`,
    `Command: \`npx hardhat run bench/scale.ts\` (SCALE_SMALL_TXS=${SMALL}, SCALE_BIG_TXS=${BIG}).`,
    "",
    `Synthetic data shaped like the shipped corpus (see the header of bench/scale.ts): blocks of ${TXS_PER_BLOCK} transactions, 10 distinct accesses per transaction (a few fewer where two random picks coincide), random 32-byte slots and hashes, partitions of ${PARTITION_BLOCKS} blocks. Peak RSS is the whole process's (/usr/bin/time), Hardhat's own start included. Wall times are inflated by the shared machine.`,
    "",
    `## ${SMALL.toLocaleString("en-US")} transactions`,
    "",
    "| what | value | target |",
    "| --- | --- | --- |",
    `| accesses (rows) | ${g1.accesses} | |`,
    `| tree size on disk | ${mib(size1)} MiB (accesses table ${mib(accSize1)} MiB) | |`,
    `| bytes per access (whole tree / accesses) | ${(size1 / g1.accesses!).toFixed(2)} | <= 8 |`,
    `| bytes per access (accesses table only) | ${(accSize1 / g1.accesses!).toFixed(2)} | |`,
    `| \`conflicts analyze TREE --quiet --md ...\` end to end, wall | ${an.secs.toFixed(2)} s (load average ${an.load.toFixed(1)}) | < 20 s |`,
    `| same, CPU (user + system) | ${an.cpu.toFixed(2)} s | |`,
    `| same, peak RSS | ${mib(an.peak)} MiB | < 1024 MiB |`,
    `| generation with DuckDB SQL (not a producer) | ${g1.secs!.toFixed(1)} s | |`,
    "",
    "## Producer write throughput",
    "",
    `The ${SMALL.toLocaleString("en-US")}-transaction tree streamed block by block (\`streamColumnarBlocks\`) into a \`ColumnarWriter\`, which validates each block with the access-set schema and writes Parquet partitions: the path \`saveAccessSetFile("*.parquet")\` and every producer take. Write time is the copy minus a read-only pass of the same stream.`,
    "",
    "| pass | wall s | txs/s | accesses/s |",
    "| --- | --- | --- | --- |",
    `| read only (stream to objects) | ${st.readSecs!.toFixed(1)} | ${Math.round(st.txs! / st.readSecs!)} | ${Math.round(st.accesses! / st.readSecs!)} |`,
    `| read + write | ${st.copySecs!.toFixed(1)} | ${Math.round(st.txs! / st.copySecs!)} | ${Math.round(st.accesses! / st.copySecs!)} |`,
    `| write alone (difference) | ${writeSecs.toFixed(1)} | ${writeSecs > 0 ? Math.round(st.txs! / writeSecs) : "-"} | ${writeSecs > 0 ? Math.round(st.accesses! / writeSecs) : "-"} |`,
    "",
    `## ${BIG.toLocaleString("en-US")} transactions, partitioned`,
    "",
    "| what | value | target |",
    "| --- | --- | --- |",
    `| accesses (rows) | ${g2.accesses} | |`,
    `| tree size on disk | ${mib(size2)} MiB, ${(size2 / g2.accesses!).toFixed(2)} B/access | |`,
    `| generation with DuckDB SQL | ${g2.secs!.toFixed(1)} s (${Math.round(g2.accesses! / g2.secs!)} accesses/s) | |`,
    `| \`conflicts study TREE --json ... --memory 3GB\` end to end, wall | ${sd.secs.toFixed(1)} s (load average ${sd.load.toFixed(1)}) | < 300 s |`,
    `| same, CPU (user + system) | ${sd.cpu.toFixed(1)} s | |`,
    `| same, peak RSS | ${mib(sd.peak)} MiB | < 4096 MiB |`,
    "",
    "| query | seconds | rows |",
    "| --- | --- | --- |",
    ...study.sections.map((s) => `| ${s.name} | ${s.seconds.toFixed(1)} | ${s.rows.length} |`),
    "",
  ].join("\n");
  await writeFileAtomic(path.join(root, "bench", "results", "scale.md"), md);
  console.log(md);
} finally {
  rmSync(ROOT_TMP, { recursive: true, force: true });
}
