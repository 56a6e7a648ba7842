/**
 * The columnar access-set format (`disjoint.access-sets.parquet`, version 1): a directory tree
 * of Apache Parquet files, one table per directory, each partitioned Hive-style by block range:
 *
 *   TREE/_disjoint.json                          format, version, source, precision, partitions
 *   TREE/accesses/blocks=20000000-20009999/data_0.parquet
 *   TREE/txs/blocks=.../   TREE/blocks/blocks=.../   TREE/contracts/blocks=.../
 *   TREE/locations/blocks=.../   TREE/functions/blocks=.../   TREE/names/data_0.parquet
 *
 * Ids (contract, location, function) are local to their partition, so every partition is
 * self-contained and block ranges can be captured on different machines and put side by side.
 * Documented in docs/access-set-format.md (section "Parquet"); bump COLUMNAR_VERSION on any
 * incompatible change.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { AccessSetFile } from "../access/format.js";

export const COLUMNAR_FORMAT = "disjoint.access-sets.parquet";
export const COLUMNAR_VERSION = 1;
/** The metadata file at the root of a tree; its presence makes a directory a tree. */
export const META_FILE = "_disjoint.json";
/** Blocks per partition unless a producer says otherwise. */
export const DEFAULT_PARTITION_BLOCKS = 10_000;

/** Access kinds (accesses.kind). */
export const KIND_STORAGE = 0;
export const KIND_ACCOUNT = 1;
/** A read known only per block (EIP-7928 `blockReads`): `tx` is NULL. */
export const KIND_BLOCK_READ = 2;
/**
 * An account field (balance, nonce, code) of the block's fee recipient: every transaction
 * credits its balance, so studies drop that credit (a write without a read, mode 2) as the
 * dependency definition does; otherwise like KIND_ACCOUNT.
 */
export const KIND_FEE_RECIPIENT = 3;
/** Access modes (accesses.mode), a bit set. */
export const MODE_R = 1;
export const MODE_W = 2;

/** Column definitions of every table (DuckDB types; Spark reads them as BIGINT/INT/TINYINT/STRING). */
export const TABLES = {
  blocks: "block BIGINT, hash VARCHAR, coinbase VARCHAR, gas_used BIGINT, timestamp BIGINT, block_reads BOOLEAN",
  txs: "block BIGINT, tx INTEGER, hash VARCHAR, sender VARCHAR, recipient VARCHAR, selector VARCHAR, function INTEGER, gas_used BIGINT, status VARCHAR, costs VARCHAR, declared VARCHAR",
  accesses: "block BIGINT, tx INTEGER, location INTEGER, kind TINYINT, mode TINYINT",
  contracts: "contract INTEGER, address VARCHAR",
  locations: "location INTEGER, contract INTEGER, slot VARCHAR",
  functions: "function INTEGER, name VARCHAR",
  names: "address VARCHAR, slot VARCHAR, name VARCHAR",
} as const;
export type TableName = keyof typeof TABLES;
/** Tables partitioned by block range (all but `names`). */
export const PARTITIONED: TableName[] = ["blocks", "txs", "accesses", "contracts", "locations", "functions"];

export const Partition = z
  .object({
    /** Directory name, `blocks=<lo>-<hi>`. */
    label: z.string().regex(/^blocks=\d+-\d+$/),
    lo: z.number().int().nonnegative(),
    hi: z.number().int().nonnegative(),
    blocks: z.number().int().nonnegative(),
    txs: z.number().int().nonnegative(),
    accesses: z.number().int().nonnegative(),
  })
  .strict();
export type Partition = z.infer<typeof Partition>;

export const TreeMeta = z
  .object({
    format: z.literal(COLUMNAR_FORMAT),
    version: z.literal(COLUMNAR_VERSION),
    source: AccessSetFile.shape.source,
    precision: AccessSetFile.shape.precision,
    partitionBlocks: z.number().int().positive(),
    /** In block order. */
    partitions: z.array(Partition),
    /** Which maps of the access-set `names` object exist (null: no `names`). */
    names: z.object({ accounts: z.boolean(), slots: z.boolean() }).strict().nullable(),
  })
  .strict();
export type TreeMeta = z.infer<typeof TreeMeta>;

/** The partition (first and last block, directory label) holding block `n`. */
export function partitionOf(n: number, partitionBlocks: number): { lo: number; hi: number; label: string } {
  const lo = Math.floor(n / partitionBlocks) * partitionBlocks;
  const hi = lo + partitionBlocks - 1;
  return { lo, hi, label: `blocks=${lo}-${hi}` };
}

/** The Parquet files of one table (a partition's, or all of them), for read_parquet. */
export function tableGlob(tree: string, table: TableName, partition?: string): string {
  if (table === "names") return path.join(tree, "names", "*.parquet");
  return path.join(tree, table, partition ?? "*", "*.parquet");
}

/**
 * Whether `file` names a columnar tree: an existing directory, or a path ending in `.parquet`
 * (which is how a producer asks for a tree). Everything else is the JSON format.
 */
export async function isColumnarPath(file: string): Promise<boolean> {
  if (/\.parquet\/?$/.test(file)) return true;
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}
