/**
 * Reading columnar access-set trees: block by block, partition by partition, with memory
 * bounded by one partition's dictionaries plus one block (three cursors stream the blocks,
 * txs and accesses files in step). Gives the same AccessSetFile the JSON loader gives, or
 * fills the conflict graph's compact form directly (no per-access objects) for large inputs.
 * Bad, missing or truncated files raise one AccessSetFormatError naming the file and problem.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { AccessSetFile, BlockAccess, Names, TxAccess } from "../access/format.js";
import { AccessSetFormatError } from "../access/errors.js";
import { InputError } from "../errors.js";
import { Chunks, column, openEngine, sqlString, type Engine, type EngineOptions } from "./engine.js";
import {
  COLUMNAR_FORMAT,
  COLUMNAR_VERSION,
  KIND_ACCOUNT,
  KIND_BLOCK_READ,
  KIND_FEE_RECIPIENT,
  KIND_STORAGE,
  META_FILE,
  PARTITIONED,
  TreeMeta,
  type Partition,
  type TableName,
} from "./layout.js";

const ADDRESS = /^0x[0-9a-f]{40}$/;
const SLOT = /^(0x[0-9a-f]{64}|balance|nonce|code)$/;
const HASH = /^0x[0-9a-f]{64}$/;
const SELECTOR = /^0x[0-9a-f]{8}$/;

/** One problem in one file of the tree, as the format error readers throw. */
export const bad = (tree: string, where: string, message: string) => new AccessSetFormatError(tree, [{ path: where, message }]);

/** Reads and checks _disjoint.json and that every file of every partition is there. */
export async function readTreeMeta(tree: string): Promise<TreeMeta> {
  const metaPath = path.join(tree, META_FILE);
  let text: string;
  try {
    text = await readFile(metaPath, "utf8");
  } catch {
    throw bad(
      tree,
      META_FILE,
      `missing: ${tree} is not a ${COLUMNAR_FORMAT} tree (write one with \`npx hardhat conflicts convert IN OUT.parquet\`)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(tree, META_FILE, `not valid JSON (${(e as Error).message}); is the file truncated? re-convert the tree`);
  }
  const o = json as { format?: unknown; version?: unknown };
  if (o && o.format === COLUMNAR_FORMAT && o.version !== COLUMNAR_VERSION) {
    throw bad(
      tree,
      `${META_FILE}.version`,
      `version ${String(o.version)} is not supported; this build reads version ${COLUMNAR_VERSION} (re-convert the tree with this version of disjoint)`,
    );
  }
  const r = TreeMeta.safeParse(json);
  if (!r.success) {
    throw new AccessSetFormatError(
      tree,
      r.error.issues.map((i) => ({ path: [META_FILE, ...i.path.map(String)].join("."), message: i.message })),
    );
  }
  for (const p of r.data.partitions) {
    for (const t of PARTITIONED) await mustExist(tree, path.join(t, p.label, "data_0.parquet"));
  }
  await mustExist(tree, path.join("names", "data_0.parquet"));
  return r.data;
}

async function mustExist(tree: string, rel: string): Promise<void> {
  try {
    await access(path.join(tree, rel));
  } catch {
    throw bad(tree, rel, "missing (the tree is incomplete: re-convert it, or re-copy the whole directory)");
  }
}

/**
 * Runs a query over the tree, turning engine errors into one error naming the file: the
 * engine's memory limit as an InputError with the fix, anything else as a format error.
 */
export async function guarded<T>(tree: string, rel: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof AccessSetFormatError) throw e;
    const msg = (e as Error).message.split("\n")[0];
    if (/^Out of Memory/i.test(msg)) {
      throw new InputError(`reading ${path.join(tree, rel)} needs more memory than the engine's limit`, {
        details: [msg],
        hint: 'raise the engine\'s memory limit (memoryLimit, e.g. "2GB")',
        cause: e,
      });
    }
    throw bad(tree, rel, `cannot be read as Parquet (${msg}); the file is truncated or corrupt: re-convert the tree or re-copy it`);
  }
}

/** A streaming result read row by row: one {@link Chunks} stream, each chunk's columns as plain values. */
class Cursor {
  private cols: unknown[][] = [];
  private constructor(private readonly chunks: Chunks) {
    this.fill();
  }

  static async open(connection: DuckDBConnection, sql: string): Promise<Cursor> {
    return new Cursor(await Chunks.open(connection, sql));
  }

  get done(): boolean {
    return this.chunks.done;
  }

  private fill(): void {
    const chunk = this.chunks.chunk;
    this.cols = chunk === null ? [] : Array.from({ length: chunk.columnCount }, (_, i) => column<unknown>(chunk, i));
  }

  get(i: number): unknown {
    return this.cols[i][this.chunks.row];
  }

  async next(): Promise<void> {
    if (++this.chunks.row >= this.chunks.n) {
      await this.chunks.load();
      this.fill();
    }
  }
}

export interface PartitionDict {
  address: string[];
  locAddress: string[];
  locSlot: string[];
  fnName: string[];
}

async function readDict(engine: Engine, tree: string, p: Partition): Promise<PartitionDict> {
  const c = engine.connection;
  const rows = async (t: TableName, sql: (file: string) => string) => {
    const rel = path.join(t, p.label, "data_0.parquet");
    return guarded(tree, rel, async () => (await c.runAndReadAll(sql(sqlString(path.join(tree, rel))))).getRows());
  };
  const address: string[] = [];
  for (const [id, a] of await rows("contracts", (f) => `SELECT contract, address FROM read_parquet(${f})`)) {
    if (!ADDRESS.test(a as string))
      throw bad(
        tree,
        path.join("contracts", p.label),
        `contract ${String(id)}: address ${String(a)}: expected 0x and 40 lowercase hex digits`,
      );
    address[id as number] = a as string;
  }
  const locAddress: string[] = [];
  const locSlot: string[] = [];
  for (const [id, contract, slot] of await rows("locations", (f) => `SELECT location, contract, slot FROM read_parquet(${f})`)) {
    const a = address[contract as number];
    if (a === undefined)
      throw bad(
        tree,
        path.join("locations", p.label),
        `location ${String(id)} names contract ${String(contract)}, which the contracts table does not have`,
      );
    if (!SLOT.test(slot as string))
      throw bad(
        tree,
        path.join("locations", p.label),
        `location ${String(id)}: slot ${String(slot)}: expected 0x and 64 lowercase hex digits, or balance, nonce or code`,
      );
    locAddress[id as number] = a;
    locSlot[id as number] = slot as string;
  }
  const fnName: string[] = [];
  for (const [id, name] of await rows("functions", (f) => `SELECT function, name FROM read_parquet(${f})`))
    fnName[id as number] = name as string;
  return { address, locAddress, locSlot, fnName };
}

export async function readNames(engine: Engine, tree: string, meta: TreeMeta): Promise<Names | undefined> {
  if (!meta.names) return undefined;
  const rel = path.join("names", "data_0.parquet");
  const rows = await guarded(tree, rel, async () =>
    (await engine.connection.runAndReadAll(`SELECT address, slot, name FROM read_parquet(${sqlString(path.join(tree, rel))})`)).getRows(),
  );
  const names: Names = {};
  if (meta.names.accounts) names.accounts = {};
  if (meta.names.slots) names.slots = {};
  for (const [address, slot, name] of rows) {
    if (slot === null) names.accounts![address as string] = name as string;
    else names.slots![`${address as string}:${slot as string}`] = name as string;
  }
  return names;
}

export interface ReadRange {
  /** First and last block to read (inclusive); partitions outside are skipped unopened. */
  from?: number;
  to?: number;
}

/** The visitor a partition walk calls, in chain order. */
export interface Visitor {
  block(number: number, hash: string | null, coinbase: string, gasUsed: number | null, timestamp: number | null, blockReads: boolean): void;
  tx(cur: Cursor, fn: string | undefined): void;
  access(tx: number | null, location: number, kind: number, mode: number): void;
  /** After a block's txs and accesses. */
  endBlock(): void | Promise<void>;
  partition?(dict: PartitionDict): void;
}

/** Checks the identifying columns of a txs row (tx, hash, sender, recipient, selector at 2..6). */
function checkTx(c: Cursor): string | null {
  const [index, hash, sender, recipient, selector] = [c.get(2), c.get(3), c.get(4), c.get(5), c.get(6)];
  if (typeof index !== "number" || index < 0) return `index ${String(index)}: expected a non-negative integer`;
  if (hash !== null && !HASH.test(hash as string)) return `hash ${String(hash)}: expected 0x and 64 lowercase hex digits`;
  if (sender !== null && !ADDRESS.test(sender as string)) return `sender ${String(sender)}: expected 0x and 40 lowercase hex digits`;
  if (recipient !== null && !ADDRESS.test(recipient as string))
    return `recipient ${String(recipient)}: expected 0x and 40 lowercase hex digits`;
  if (selector !== null && !SELECTOR.test(selector as string))
    return `selector ${String(selector)}: expected 0x and 8 lowercase hex digits`;
  return null;
}

const num = (x: unknown): number | null => (x === null ? null : Number(x as bigint | number));

/**
 * Walks the partitions of a tree that overlap `range` in chain order, calling the visitor for
 * each block, each transaction (then its accesses) and the block's block-level reads.
 * `txColumns` are the txs columns the visitor reads from index 2 on (index 0: block, 1: function).
 */
export async function walk(
  tree: string,
  meta: TreeMeta,
  range: ReadRange,
  v: Visitor,
  opts: EngineOptions,
  txColumns: string,
): Promise<void> {
  const engine = await openEngine(opts);
  try {
    const cb = engine.connection;
    const ct = await engine.connect();
    const ca = await engine.connect();
    const lo = range.from ?? 0;
    const hi = range.to ?? Number.MAX_SAFE_INTEGER;
    for (const p of meta.partitions) {
      if (p.hi < lo || p.lo > hi) continue;
      const dict = await readDict(engine, tree, p);
      v.partition?.(dict);
      const file = (t: TableName) => sqlString(path.join(tree, t, p.label, "data_0.parquet"));
      const where = `WHERE block BETWEEN ${lo} AND ${Math.min(hi, Number.MAX_SAFE_INTEGER)}`;
      const rel = (t: TableName) => path.join(t, p.label, "data_0.parquet");
      const blocks = await guarded(tree, rel("blocks"), () =>
        Cursor.open(
          cb,
          `SELECT CAST(block AS DOUBLE), hash, coinbase, CAST(gas_used AS DOUBLE), CAST(timestamp AS DOUBLE), block_reads FROM read_parquet(${file("blocks")}) ${where}`,
        ),
      );
      const txs = await guarded(tree, rel("txs"), () =>
        Cursor.open(ct, `SELECT CAST(block AS DOUBLE), function, ${txColumns} FROM read_parquet(${file("txs")}) ${where}`),
      );
      const acc = await guarded(tree, rel("accesses"), () =>
        Cursor.open(ca, `SELECT CAST(block AS DOUBLE), tx, location, kind, mode FROM read_parquet(${file("accesses")}) ${where}`),
      );
      const step = async (c: Cursor, t: TableName) => guarded(tree, rel(t), () => c.next());
      while (!blocks.done) {
        const number = blocks.get(0) as number;
        v.block(
          number,
          blocks.get(1) as string | null,
          blocks.get(2) as string,
          num(blocks.get(3)),
          num(blocks.get(4)),
          blocks.get(5) === true,
        );
        const access = async () => {
          const l = acc.get(2) as number;
          if (dict.locAddress[l] === undefined)
            throw bad(tree, rel("accesses"), `an access of block ${number} names location ${l}, which the locations table does not have`);
          v.access(acc.get(1) as number | null, l, acc.get(3) as number, acc.get(4) as number);
          await step(acc, "accesses");
        };
        while (!txs.done && (txs.get(0) as number) === number) {
          const f = txs.get(1) as number | null;
          const fn = f === null ? undefined : dict.fnName[f];
          if (f !== null && fn === undefined)
            throw bad(tree, rel("txs"), `a transaction of block ${number} names function ${f}, which the functions table does not have`);
          const index = txs.get(2) as number;
          const problem = checkTx(txs);
          if (problem) throw bad(tree, rel("txs"), `transaction ${index} of block ${number}: ${problem}`);
          v.tx(txs, fn);
          await step(txs, "txs");
          // A transaction's accesses follow it, in order.
          while (!acc.done && (acc.get(0) as number) === number && acc.get(1) === index) await access();
        }
        // Then the block's block-level reads.
        while (!acc.done && (acc.get(0) as number) === number) {
          if (acc.get(1) !== null)
            throw bad(
              tree,
              rel("accesses"),
              `an access of block ${number} names transaction ${String(acc.get(1))}, which is not in the txs table at that place (rows must be grouped by transaction, in block order)`,
            );
          await access();
        }
        await v.endBlock();
        await step(blocks, "blocks");
      }
      if (!txs.done)
        throw bad(
          tree,
          rel("txs"),
          `has a transaction of block ${String(txs.get(0))}, which the blocks table does not list (or lists out of order)`,
        );
      if (!acc.done)
        throw bad(
          tree,
          rel("accesses"),
          `has an access of block ${String(acc.get(0))}, which the blocks table does not list (or lists out of order)`,
        );
    }
  } finally {
    engine.close();
  }
}

/**
 * Streams the blocks of a tree in chain order as access-set blocks (the JSON loader's type),
 * one at a time: memory is one partition's dictionaries plus one block.
 */
export async function* streamColumnarBlocks(tree: string, range: ReadRange = {}, opts: EngineOptions = {}): AsyncGenerator<BlockAccess> {
  const meta = await readTreeMeta(tree);
  // The walk pushes blocks; hand them to the generator through a one-slot queue.
  const queue: BlockAccess[] = [];
  let wake: (() => void) | null = null;
  let resume: (() => void) | null = null;
  let finished = false;
  let stopped = false;
  let failure: unknown = null;
  let dict: PartitionDict;
  let block: BlockAccess | null = null;
  let byIndex = new Map<number, TxAccess>();
  const visitor: Visitor = {
    partition: (d) => (dict = d),
    block(number, hash, coinbase, gasUsed, timestamp, blockReads) {
      block = { number, hash, coinbase, txs: [] };
      if (gasUsed !== null) block.gasUsed = gasUsed;
      if (timestamp !== null) block.timestamp = timestamp;
      if (blockReads) block.blockReads = [];
      byIndex = new Map();
    },
    tx(cur, fn) {
      const t: TxAccess = {
        index: cur.get(2) as number,
        hash: cur.get(3) as string | null,
        from: cur.get(4) as string | null,
        to: cur.get(5) as string | null,
        selector: cur.get(6) as string | null,
        gasUsed: Number(cur.get(7) as bigint),
        storage: { reads: [], writes: [] },
        accounts: { reads: [], writes: [] },
      };
      if (fn !== undefined) t.function = fn;
      const status = cur.get(8) as string | null;
      if (status !== null) t.status = status as "success" | "reverted";
      const costs = cur.get(9) as string | null;
      if (costs !== null) t.costs = JSON.parse(costs) as Record<string, number>;
      const declared = cur.get(10) as string | null;
      if (declared !== null) t.declared = JSON.parse(declared) as TxAccess["declared"];
      // Key order as in JSON: index, hash, from, to, selector, function, gasUsed, costs, status, ...
      const ordered: TxAccess = { index: t.index, hash: t.hash, from: t.from, to: t.to, selector: t.selector } as TxAccess;
      if (t.function !== undefined) ordered.function = t.function;
      ordered.gasUsed = t.gasUsed;
      if (t.costs !== undefined) ordered.costs = t.costs;
      if (t.status !== undefined) ordered.status = t.status;
      ordered.storage = t.storage;
      ordered.accounts = t.accounts;
      if (t.declared !== undefined) ordered.declared = t.declared;
      block!.txs.push(ordered);
      byIndex.set(ordered.index, ordered);
    },
    access(tx, l, kind, mode) {
      const key = [dict.locAddress[l], dict.locSlot[l]] as [string, string];
      if (kind === KIND_BLOCK_READ) {
        (block!.blockReads ??= []).push(key);
        return;
      }
      const t = tx === null ? undefined : byIndex.get(tx);
      if (t === undefined)
        throw bad(
          tree,
          "accesses",
          `an access of block ${block!.number} has no transaction but kind ${kind}; only block reads (kind 2) have none`,
        );
      const lists = kind === KIND_STORAGE ? t.storage : kind === KIND_ACCOUNT || kind === KIND_FEE_RECIPIENT ? t.accounts : null;
      if (lists === null)
        throw bad(
          tree,
          "accesses",
          `an access of block ${block!.number} has kind ${kind}; expected 0 (storage), 1 (account), 2 (block read) or 3 (fee recipient)`,
        );
      if (mode & 1) lists.reads.push(key as [string, string] & [string, "balance"]);
      if (mode & 2) lists.writes.push(key as [string, string] & [string, "balance"]);
    },
    endBlock() {
      if (stopped) throw new Error("stopped");
      queue.push(block!);
      wake?.();
      return new Promise<void>((r) => (resume = r));
    },
  };
  const running = walk(tree, meta, range, visitor, opts, "tx, hash, sender, recipient, selector, gas_used, status, costs, declared").then(
    () => {
      finished = true;
      wake?.();
    },
    (e: unknown) => {
      failure = e;
      finished = true;
      wake?.();
    },
  );
  let held: (() => void) | null = null;
  try {
    for (;;) {
      if (queue.length === 0 && !finished) await new Promise<void>((r) => (wake = r));
      wake = null;
      if (queue.length > 0) {
        const b = queue.shift()!;
        held = resume as (() => void) | null;
        resume = null;
        yield b;
        const r = held as (() => void) | null;
        held = null;
        r?.();
        continue;
      }
      if (failure) throw failure;
      if (finished) break;
    }
  } finally {
    // The consumer stopped early (or finished): let the walk run into `stopped` and end.
    stopped = true;
    (held as (() => void) | null)?.();
    (resume as (() => void) | null)?.();
    await running.catch(() => {});
  }
}

/** Reads a whole tree as an AccessSetFile, the type the JSON loader gives. */
export async function loadColumnar(tree: string, opts: EngineOptions = {}): Promise<AccessSetFile> {
  const meta = await readTreeMeta(tree);
  const blocks: BlockAccess[] = [];
  for await (const b of streamColumnarBlocks(tree, {}, opts)) blocks.push(b);
  const file: AccessSetFile = { format: "disjoint.access-sets", version: 1, source: meta.source, precision: meta.precision, blocks };
  const engine = await openEngine(opts);
  try {
    const names = await readNames(engine, tree, meta);
    if (names) file.names = names;
  } finally {
    engine.close();
  }
  return file;
}
