/**
 * Where the bytes of a columnar tree go (issue #20): compressed size per table and column
 * (Parquet metadata), bytes per access, and the floor set by the data's own randomness: every
 * distinct 32-byte slot value, transaction hash and address is random, so no encoding stores
 * it in fewer than 32 (or 20) bytes.
 *
 *   npx tsx bench/scale-size.ts TREE
 */
import path from "node:path";
import { openEngine, sqlString } from "../src/columnar/index.js";

const tree = process.argv[2];
if (!tree) throw new Error("usage: npx tsx bench/scale-size.ts TREE");
const engine = await openEngine({ memoryLimit: "2GB" });
const c = engine.connection;
const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRows();
const glob = (t: string) => sqlString(path.join(tree, t, "*", "*.parquet"));
const [[accesses]] = (await rows(`SELECT COUNT(*) FROM read_parquet(${glob("accesses")})`)) as [[bigint]];
const n = Number(accesses);
console.log(`accesses: ${n}\n`);
console.log("| table | column | compressed MiB | bytes per access |\n| --- | --- | --- | --- |");
let total = 0;
for (const t of ["accesses", "txs", "locations", "contracts", "blocks", "functions"]) {
  const cols = await rows(
    `SELECT path_in_schema, SUM(total_compressed_size) FROM parquet_metadata(${glob(t)}) GROUP BY path_in_schema ORDER BY 2 DESC`,
  );
  for (const [col, size] of cols) {
    total += Number(size);
    console.log(`| ${t} | ${String(col)} | ${(Number(size) / 1048576).toFixed(1)} | ${(Number(size) / n).toFixed(2)} |`);
  }
}
console.log(`| all | (column chunks) | ${(total / 1048576).toFixed(1)} | ${(total / n).toFixed(2)} |\n`);
// The floor: distinct random values per partition (dictionaries are per partition).
const [[slots]] = (await rows(`SELECT COUNT(*) FROM read_parquet(${glob("locations")}) WHERE slot LIKE '0x%'`)) as [[bigint]];
const [[addresses]] = (await rows(`SELECT COUNT(*) FROM read_parquet(${glob("contracts")})`)) as [[bigint]];
const [[hashes]] = (await rows(`SELECT COUNT(hash) FROM read_parquet(${glob("txs")})`)) as [[bigint]];
const [[senders]] = (await rows(
  `SELECT SUM(d) FROM (SELECT COUNT(DISTINCT sender) AS d FROM read_parquet(${glob("txs")}, hive_partitioning = true) GROUP BY blocks)`,
)) as [[bigint]];
const floor = 32 * Number(slots) + 20 * Number(addresses) + 32 * Number(hashes);
console.log(`distinct 32-byte slots ${slots}, contract addresses ${addresses}, transaction hashes ${hashes}, distinct senders ${senders}`);
console.log(
  `floor (32 B per slot and hash, 20 B per address, once each): ${(floor / 1048576).toFixed(1)} MiB = ${(floor / n).toFixed(2)} bytes per access`,
);
engine.close();
