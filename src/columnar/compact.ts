/**
 * The fast read path of a columnar tree into the conflict graph's compact form (what
 * `conflicts analyze` takes), partition by partition: the accesses table is read as DuckDB
 * column chunks whose integer columns are used in place as typed arrays (no object or boxed
 * number per access), transactions chunk by chunk, and the partition's locations become key
 * ids once each. Memory is the compact form itself plus one partition's dictionaries and one
 * chunk (2,048 rows) per table.
 */
import path from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import type { Names } from "../access/format.js";
import { AccessSetFormatError } from "../access/errors.js";
import { InputError } from "../errors.js";
import { CompactBuilder, txFunctionLabel, type CompactAccessSets } from "../model/block.js";
import type { AnalysisInput } from "../conflicts/analyze.js";
import { openEngine, sqlString, type Engine, type EngineOptions } from "./engine.js";
import { ACCESS_CREDIT, ACCESS_WRITE, DEFAULT_DEPENDENCY, fieldDependencyMode } from "../model/dependency.js";
import { KIND_BLOCK_READ, KIND_FEE_RECIPIENT, KIND_STORAGE, type Partition, type TableName } from "./layout.js";
import { readNames, readTreeMeta, type ReadRange } from "./read.js";

const ADDRESS = /^0x[0-9a-f]{40}$/;
const SLOT = /^(0x[0-9a-f]{64}|balance|nonce|code)$/;
const HASH = /^0x[0-9a-f]{64}$/;
const SELECTOR = /^0x[0-9a-f]{8}$/;

const bad = (tree: string, where: string, message: string) => new AccessSetFormatError(tree, [{ path: where, message }]);

type Typed = Int32Array | Int8Array | Float64Array;

/**
 * The values of a non-null numeric column of a chunk as a typed array: the vector's own buffer
 * where the binding exposes it (DuckDB's INTEGER, TINYINT and DOUBLE vectors keep their items
 * in a typed array), else a copy made item by item.
 */
function typed<T extends Typed>(v: DuckDBVector, n: number, make: new (n: number) => T): T {
  const items = (v as unknown as { items?: unknown }).items;
  if (items instanceof make && (items as T).length >= n) return items as T;
  const out = new make(n);
  for (let i = 0; i < n; i++) out[i] = Number(v.getItem(i) as number);
  return out;
}

/** A stream of result chunks with the current chunk's row position. */
class Chunks {
  chunk: DuckDBDataChunk | null = null;
  n = 0;
  row = 0;
  done = false;
  private constructor(private readonly result: Awaited<ReturnType<DuckDBConnection["stream"]>>) {}

  static async open(connection: DuckDBConnection, sql: string): Promise<Chunks> {
    const c = new Chunks(await connection.stream(sql));
    await c.load();
    return c;
  }

  /** Fetches the next chunk (row 0); sets `done` at the end. */
  async load(): Promise<void> {
    this.chunk = await this.result.fetchChunk();
    this.row = 0;
    this.n = this.chunk?.rowCount ?? 0;
    if (this.n === 0) {
      this.chunk = null;
      this.done = true;
    }
  }

  vector(i: number): DuckDBVector {
    return this.chunk!.getColumnVector(i);
  }
}

/** Values fetched per native call by `strings`. */
const STRING_GROUP = 16_384;

/**
 * The VARCHAR expression `expr` of `from` for every row, in the order `order`, as JS strings
 * (null for NULL). Reading a VARCHAR vector costs one native call and one copy per value;
 * here DuckDB joins each group of 16,384 values into one string (each value prefixed by "."
 * so that NULL, as "", stays distinct from an empty value) and JS splits it: one call per group.
 * A value holding the separator shows up as a wrong count and is reported by `onBadCount`.
 */
async function strings(
  c: DuckDBConnection,
  file: string,
  where: string,
  expr: string,
  onBadCount: () => Error,
  intern = false,
): Promise<(string | null)[]> {
  const sql = `SELECT file_row_number // ${STRING_GROUP} AS g, COUNT(*), string_agg(CASE WHEN v IS NULL THEN '' ELSE '.' || v END, ',' ORDER BY file_row_number)
    FROM (SELECT ${expr} AS v, file_row_number FROM read_parquet(${file}, file_row_number = true) ${where}) GROUP BY g ORDER BY g`;
  const out: (string | null)[] = [];
  // Repeated values (senders, recipients) share one string when asked.
  const seen = intern ? new Map<string, string>() : null;
  await eachChunk(c, sql, (ch, n) => {
    const count = ch.getColumnVector(1);
    const joined = ch.getColumnVector(2);
    for (let r = 0; r < n; r++) {
      const parts = (joined.getItem(r) as string).split(",");
      if (parts.length !== Number(count.getItem(r) as bigint)) throw onBadCount();
      for (const x of parts) {
        if (x === "") out.push(null);
        else if (seen === null) out.push(x.slice(1));
        else {
          let v = seen.get(x);
          if (v === undefined) seen.set(x, (v = x.slice(1)));
          out.push(v);
        }
      }
    }
  });
  return out;
}

interface Dict {
  /** Contract id -> address. */
  address: string[];
  /** Location id -> contract id and slot. */
  locContract: Int32Array;
  locSlot: string[];
  fnName: (string | undefined)[];
}

/** Runs `body`, turning engine errors into one AccessSetFormatError naming the file. */
async function guarded<T>(tree: string, rel: string, body: () => Promise<T>): Promise<T> {
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

/** Every row of `sql` chunk by chunk, as (chunk, rows) to a callback. */
async function eachChunk(c: DuckDBConnection, sql: string, on: (chunk: DuckDBDataChunk, n: number) => void): Promise<void> {
  const s = await Chunks.open(c, sql);
  while (!s.done) {
    on(s.chunk!, s.n);
    await s.load();
  }
}

async function readDict(engine: Engine, tree: string, p: Partition): Promise<Dict> {
  const c = engine.connection;
  const rel = (t: TableName) => path.join(t, p.label, "data_0.parquet");
  const file = (t: TableName) => sqlString(path.join(tree, rel(t)));
  const badContracts = () => bad(tree, rel("contracts"), "an address holds a comma: expected 0x and 40 lowercase hex digits");
  const addresses = await guarded(tree, rel("contracts"), () => strings(c, file("contracts"), "", "address", badContracts));
  const address: string[] = [];
  let at = 0;
  await guarded(tree, rel("contracts"), () =>
    eachChunk(c, `SELECT contract FROM read_parquet(${file("contracts")}, file_row_number = true) ORDER BY file_row_number`, (ch, n) => {
      const id = typed(ch.getColumnVector(0), n, Int32Array);
      for (let r = 0; r < n; r++, at++) {
        const x = addresses[at];
        if (x === null || x === undefined || !ADDRESS.test(x))
          throw bad(
            tree,
            path.join("contracts", p.label),
            `contract ${id[r]}: address ${String(x)}: expected 0x and 40 lowercase hex digits`,
          );
        address[id[r]] = x;
      }
    }),
  );
  const count =
    Number(
      (
        await guarded(tree, rel("locations"), () =>
          c.runAndReadAll(`SELECT COUNT(*), MAX(location) FROM read_parquet(${file("locations")})`),
        )
      ).getRows()[0][1] ?? -1,
    ) + 1;
  const locContract = new Int32Array(count).fill(-1);
  const badLocations = () =>
    bad(tree, rel("locations"), "a slot holds a comma: expected 0x and 64 lowercase hex digits, or balance, nonce or code");
  const slots = await guarded(tree, rel("locations"), () => strings(c, file("locations"), "", "slot", badLocations));
  const locSlot = new Array<string>(count);
  let row = 0;
  await guarded(tree, rel("locations"), () =>
    eachChunk(
      c,
      `SELECT location, contract FROM read_parquet(${file("locations")}, file_row_number = true) ORDER BY file_row_number`,
      (ch, n) => {
        const id = typed(ch.getColumnVector(0), n, Int32Array);
        const con = typed(ch.getColumnVector(1), n, Int32Array);
        for (let r = 0; r < n; r++, row++) {
          const l = id[r];
          if (address[con[r]] === undefined)
            throw bad(
              tree,
              path.join("locations", p.label),
              `location ${l} names contract ${con[r]}, which the contracts table does not have`,
            );
          const slot = slots[row];
          if (slot === null || slot === undefined || !SLOT.test(slot))
            throw bad(
              tree,
              path.join("locations", p.label),
              `location ${l}: slot ${String(slot)}: expected 0x and 64 lowercase hex digits, or balance, nonce or code`,
            );
          locContract[l] = con[r];
          locSlot[l] = slot;
        }
      },
    ),
  );
  const fnName: (string | undefined)[] = [];
  await guarded(tree, rel("functions"), () =>
    eachChunk(c, `SELECT function, name FROM read_parquet(${file("functions")})`, (ch, n) => {
      for (let r = 0; r < n; r++) fnName[ch.getColumnVector(0).getItem(r) as number] = ch.getColumnVector(1).getItem(r) as string;
    }),
  );
  return { address, locContract, locSlot, fnName };
}

/**
 * Reads a tree straight into the conflict graph's compact form (what `analyze` takes), with no
 * per-transaction or per-access objects: the same graph as `compactAccessSets(loadColumnar(tree))`.
 */
export async function loadColumnarCompact(
  tree: string,
  opts: EngineOptions & ReadRange = {},
): Promise<AnalysisInput & { compact: CompactAccessSets }> {
  const meta = await readTreeMeta(tree);
  // DuckDB only scans and groups here: a small memory limit, and memory handed back to the
  // system after each query, leave the process's memory to the graph.
  const engine = await openEngine({
    ...opts,
    memoryLimit: opts.memoryLimit ?? "512MB",
    settings: { allocator_flush_threshold: "8MB", allocator_bulk_deallocation_flush_threshold: "8MB", ...opts.settings },
  });
  let names: Names | undefined;
  const b = new CompactBuilder();
  try {
    names = await readNames(engine, tree, meta);
    const accountNames = names?.accounts ?? {};
    const nameOf = (a: string) => accountNames[a];
    const lo = opts.from ?? 0;
    const hi = opts.to ?? Number.MAX_SAFE_INTEGER;
    const parts = meta.partitions.filter((p) => p.hi >= lo && p.lo <= hi);
    const keys = await repeatedLocations(engine, tree, parts);
    for (let i = 0; i < parts.length; i++) await readPartition(engine, tree, parts[i], i, lo, hi, b, nameOf, keys);
  } finally {
    engine.close();
  }
  const input: AnalysisInput & { compact: CompactAccessSets } = { source: meta.source, precision: meta.precision, compact: b.build(names) };
  if (names) input.names = names;
  return input;
}

/**
 * Key ids across partitions. Location ids are local to a partition, so the same (contract,
 * slot) has one id in each partition that uses it: `keyOf[i][l]` is the key of location l of
 * the i-th partition read (-1 until first used), and `alias[i]` maps each location that also
 * appears in an earlier partition to that partition and location, so that both get one key.
 */
interface Keys {
  keyOf: Int32Array[];
  alias: Map<number, { part: number; location: number }>[];
}

/** Finds the locations that repeat one of an earlier partition (one SQL pass; none for one partition). */
async function repeatedLocations(engine: Engine, tree: string, parts: Partition[]): Promise<Keys> {
  const keys: Keys = { keyOf: [], alias: parts.map(() => new Map()) };
  if (parts.length < 2) return keys;
  const files = (t: TableName) => `[${parts.map((p) => sqlString(path.join(tree, t, p.label, "data_0.parquet"))).join(", ")}]`;
  const index = new Map(parts.map((p, i) => [p.label.slice("blocks=".length), i]));
  const sql = `WITH x AS (
      SELECT l.blocks, CAST(split_part(l.blocks, '-', 1) AS BIGINT) AS lo, l.location, c.address, l.slot
      FROM read_parquet(${files("locations")}, hive_partitioning = true) l
      JOIN read_parquet(${files("contracts")}, hive_partitioning = true) c ON c.blocks = l.blocks AND c.contract = l.contract),
    f AS (SELECT blocks, location, first_value(blocks) OVER w AS first_blocks, first_value(location) OVER w AS first_location
      FROM x WINDOW w AS (PARTITION BY address, slot ORDER BY lo, location))
    SELECT blocks, location, first_blocks, first_location FROM f WHERE first_blocks <> blocks`;
  await guarded(tree, "locations", () =>
    eachChunk(engine.connection, sql, (ch, n) => {
      for (let r = 0; r < n; r++) {
        const at = index.get(ch.getColumnVector(0).getItem(r) as string);
        const first = index.get(ch.getColumnVector(2).getItem(r) as string);
        if (at === undefined || first === undefined) continue;
        keys.alias[at].set(ch.getColumnVector(1).getItem(r) as number, {
          part: first,
          location: ch.getColumnVector(3).getItem(r) as number,
        });
      }
    }),
  );
  return keys;
}

async function readPartition(
  engine: Engine,
  tree: string,
  p: Partition,
  part: number,
  lo: number,
  hi: number,
  b: CompactBuilder,
  nameOf: (a: string) => string | undefined,
  keys: Keys,
): Promise<void> {
  const dict = await readDict(engine, tree, p);
  const keyOf = new Int32Array(dict.locSlot.length).fill(-1);
  keys.keyOf[part] = keyOf;
  const alias = keys.alias[part];
  /** The key of location l, new on first use unless an earlier partition has the same location. */
  const keyOfLocation = (l: number): number => {
    const a = alias.get(l);
    let k = -1;
    if (a !== undefined) {
      const earlier = keys.keyOf[a.part];
      k = earlier[a.location];
      if (k < 0) k = earlier[a.location] = b.newKey(dict.address[dict.locContract[l]], dict.locSlot[l]);
    } else k = b.newKey(dict.address[dict.locContract[l]], dict.locSlot[l]);
    return (keyOf[l] = k);
  };
  const rel = (t: TableName) => path.join(t, p.label, "data_0.parquet");
  const file = (t: TableName) => sqlString(path.join(tree, rel(t)));
  const where = `WHERE block BETWEEN ${lo} AND ${Math.min(hi, Number.MAX_SAFE_INTEGER)}`;
  const blocks = (
    await guarded(tree, rel("blocks"), () =>
      engine.connection.runAndReadAll(`SELECT CAST(block AS DOUBLE), coinbase FROM read_parquet(${file("blocks")}) ${where}`),
    )
  ).getRows();
  const ct = await engine.connect();
  const ca = await engine.connect();
  // The transactions' numbers as typed chunks, their strings fetched per column in the same order.
  const badTxs = () => bad(tree, rel("txs"), "a hash, sender, recipient or selector holds a comma (expected 0x and hex digits)");
  const txString = (col: string, intern: boolean) =>
    guarded(tree, rel("txs"), () => strings(engine.connection, file("txs"), where, col, badTxs, intern));
  const hashes = await txString("hash", false);
  const senders = await txString("sender", true);
  const recipients = await txString("recipient", true);
  const selectors = await txString("selector", true);
  let txRow = 0;
  const txs = await guarded(tree, rel("txs"), () =>
    Chunks.open(
      ct,
      `SELECT CAST(block AS DOUBLE), tx, COALESCE(function, -1), CAST(COALESCE(gas_used, 0) AS DOUBLE) FROM read_parquet(${file("txs")}, file_row_number = true) ${where} ORDER BY file_row_number`,
    ),
  );
  // Block-level reads (kind 2, no transaction) are not part of the graph; any other access
  // without a transaction (tx -1 here) is a malformed row, reported where it is met.
  const acc = await guarded(tree, rel("accesses"), () =>
    Chunks.open(
      ca,
      `SELECT CAST(block AS DOUBLE), COALESCE(tx, -1), location, mode FROM read_parquet(${file("accesses")}) ${where} AND kind <> ${KIND_BLOCK_READ}`,
    ),
  );
  // Current chunk columns.
  let tBlock = new Float64Array(0);
  let tIndex = new Int32Array(0);
  let tFn = new Int32Array(0);
  let tGas = new Float64Array(0);
  let aBlock = new Float64Array(0);
  let aTx = new Int32Array(0);
  let aLoc = new Int32Array(0);
  let aMode = new Int8Array(0);
  const txCols = () => {
    if (txs.done) return;
    tBlock = typed(txs.vector(0), txs.n, Float64Array);
    tIndex = typed(txs.vector(1), txs.n, Int32Array);
    tFn = typed(txs.vector(2), txs.n, Int32Array);
    tGas = typed(txs.vector(3), txs.n, Float64Array);
  };
  const accCols = () => {
    if (acc.done) return;
    aBlock = typed(acc.vector(0), acc.n, Float64Array);
    aTx = typed(acc.vector(1), acc.n, Int32Array);
    aLoc = typed(acc.vector(2), acc.n, Int32Array);
    aMode = typed(acc.vector(3), acc.n, Int8Array);
  };
  const nextTxChunk = async () => {
    await guarded(tree, rel("txs"), () => txs.load());
    txCols();
  };
  const nextAccChunk = async () => {
    await guarded(tree, rel("accesses"), () => acc.load());
    accCols();
  };
  txCols();
  accCols();
  const nLoc = keyOf.length;
  for (const [blockNumber, coinbase] of blocks) {
    const number = blockNumber as number;
    b.beginBlock(number, coinbase as string);
    while (!txs.done && tBlock[txs.row] === number) {
      const r = txs.row;
      const index = tIndex[r];
      const hash = hashes[txRow];
      const from = senders[txRow];
      const to = recipients[txRow];
      const selector = selectors[txRow];
      const f = tFn[r] === -1 ? null : tFn[r];
      txRow++;
      const problem =
        index < 0
          ? `index ${index}: expected a non-negative integer`
          : hash !== null && !HASH.test(hash)
            ? `hash ${hash}: expected 0x and 64 lowercase hex digits`
            : from !== null && !ADDRESS.test(from)
              ? `sender ${from}: expected 0x and 40 lowercase hex digits`
              : to !== null && !ADDRESS.test(to)
                ? `recipient ${to}: expected 0x and 40 lowercase hex digits`
                : selector !== null && !SELECTOR.test(selector)
                  ? `selector ${selector}: expected 0x and 8 lowercase hex digits`
                  : null;
      if (problem) throw bad(tree, rel("txs"), `transaction ${index} of block ${number}: ${problem}`);
      const fn = f === null ? undefined : dict.fnName[f];
      if (f !== null && fn === undefined)
        throw bad(tree, rel("txs"), `a transaction of block ${number} names function ${f}, which the functions table does not have`);
      const label = txFunctionLabel({ function: fn, selector, to }, nameOf);
      b.beginTx({ index, hash, from, to, function: label, gasUsed: tGas[r] });
      if (++txs.row >= txs.n) await nextTxChunk();
      // The transaction's accesses follow it, in order.
      while (!acc.done) {
        let i = acc.row;
        const n = acc.n;
        for (; i < n && aBlock[i] === number && aTx[i] === index; i++) {
          const l = aLoc[i];
          if (l < 0 || l >= nLoc || dict.locContract[l] < 0)
            throw bad(tree, rel("accesses"), `an access of block ${number} names location ${l}, which the locations table does not have`);
          let k = keyOf[l];
          if (k < 0) k = keyOfLocation(l);
          b.access(k, aMode[i]);
        }
        acc.row = i;
        if (i < n) break;
        await nextAccChunk();
      }
    }
    if (!acc.done && aBlock[acc.row] === number) {
      if (aTx[acc.row] === -1)
        throw bad(
          tree,
          rel("accesses"),
          `an access of block ${number} has no transaction but is not a block read (kind ${KIND_BLOCK_READ})`,
        );
      throw bad(
        tree,
        rel("accesses"),
        `an access of block ${number} names transaction ${aTx[acc.row]}, which is not in the txs table at that place (rows must be grouped by transaction, in block order)`,
      );
    }
  }
  if (!txs.done)
    throw bad(
      tree,
      rel("txs"),
      `has a transaction of block ${tBlock[txs.row]}, which the blocks table does not list (or lists out of order)`,
    );
  if (!acc.done)
    throw bad(
      tree,
      rel("accesses"),
      `has an access of block ${aBlock[acc.row]}, which the blocks table does not list (or lists out of order)`,
    );
}

/** Account fields by the chain pass's field code (0: another field, 1: balance, 2: nonce). */
const ACCOUNT_FIELDS = ["other", "balance", "nonce"] as const;

/**
 * Longest dependency chain of every block (RAW/WW edges, fee-recipient balance credits
 * excluded, as `conflicts analyze`), streamed from the tree's accesses as typed column chunks:
 * per location, the depth of its last writer in the current block. Memory is one partition's
 * per-location arrays plus one chunk.
 */
export async function blockChains(
  tree: string,
  range: ReadRange = {},
  opts: EngineOptions = {},
  onPartition?: () => void,
): Promise<{ block: number; txs: number; longestChain: number }[]> {
  const meta = await readTreeMeta(tree);
  const out: { block: number; txs: number; longestChain: number }[] = [];
  const engine = await openEngine({ ...opts, memoryLimit: opts.memoryLimit ?? "512MB" });
  try {
    const c = engine.connection;
    const lo = range.from ?? 0;
    const hi = range.to ?? Number.MAX_SAFE_INTEGER;
    const where = `WHERE block BETWEEN ${lo} AND ${Math.min(hi, Number.MAX_SAFE_INTEGER)}`;
    let ord = 0;
    for (const p of meta.partitions) {
      if (p.hi < lo || p.lo > hi) continue;
      onPartition?.();
      const rel = (t: TableName) => path.join(t, p.label, "data_0.parquet");
      const file = (t: TableName) => sqlString(path.join(tree, rel(t)));
      const nLoc =
        Number(
          (
            await guarded(tree, rel("locations"), () => c.runAndReadAll(`SELECT MAX(location) FROM read_parquet(${file("locations")})`))
          ).getRows()[0][0] ?? -1,
        ) + 1;
      const lastDepth = new Int32Array(nLoc);
      const stamp = new Int32Array(nLoc).fill(-1);
      // The account field of each account location (the dependency rule needs balance and nonce).
      const fieldOf = new Uint8Array(nLoc);
      for (const [l, f] of (
        await guarded(tree, rel("locations"), () =>
          c.runAndReadAll(`SELECT location, slot FROM read_parquet(${file("locations")}) WHERE slot IN ('balance', 'nonce')`),
        )
      ).getRows()) {
        if ((l as number) >= 0 && (l as number) < nLoc) fieldOf[l as number] = f === "balance" ? 1 : 2;
      }
      const blocks = (
        await guarded(tree, rel("blocks"), () =>
          c.runAndReadAll(
            `SELECT CAST(block AS DOUBLE) FROM read_parquet(${file("blocks")}, file_row_number = true) ${where} ORDER BY file_row_number`,
          ),
        )
      ).getRows();
      const txCount = new Map<number, number>();
      for (const [b, n] of (
        await guarded(tree, rel("txs"), () =>
          c.runAndReadAll(`SELECT CAST(block AS DOUBLE), COUNT(*) FROM read_parquet(${file("txs")}) ${where} GROUP BY block`),
        )
      ).getRows()) {
        txCount.set(b as number, Number(n as bigint));
      }
      const acc = await guarded(tree, rel("accesses"), () =>
        Chunks.open(
          c,
          `SELECT CAST(block AS DOUBLE), COALESCE(tx, -1), location, kind, mode FROM read_parquet(${file("accesses")}, file_row_number = true) ${where} ORDER BY file_row_number`,
        ),
      );
      let aBlock = new Float64Array(0);
      let aTx = new Int32Array(0);
      let aLoc = new Int32Array(0);
      let aKind = new Int8Array(0);
      let aMode = new Int8Array(0);
      const cols = () => {
        if (acc.done) return;
        aBlock = typed(acc.vector(0), acc.n, Float64Array);
        aTx = typed(acc.vector(1), acc.n, Int32Array);
        aLoc = typed(acc.vector(2), acc.n, Int32Array);
        aKind = typed(acc.vector(3), acc.n, Int8Array);
        aMode = typed(acc.vector(4), acc.n, Int8Array);
      };
      cols();
      const pending: number[] = [];
      for (const [blockNumber] of blocks) {
        const number = blockNumber as number;
        ord++;
        const txs = txCount.get(number) ?? 0;
        let longest = txs > 0 ? 1 : 0;
        let tx = -2;
        let depth = 0;
        const endTx = () => {
          for (const l of pending) {
            stamp[l] = ord;
            lastDepth[l] = depth;
          }
          pending.length = 0;
          if (depth > longest) longest = depth;
        };
        while (!acc.done) {
          let i = acc.row;
          const n = acc.n;
          for (; i < n && aBlock[i] === number; i++) {
            const t = aTx[i];
            const kind = aKind[i];
            const mode = aMode[i];
            // Block-level reads are no dependency.
            if (t === -1 || kind === KIND_BLOCK_READ) continue;
            const l = aLoc[i];
            if (l < 0 || l >= nLoc)
              throw bad(tree, rel("accesses"), `an access of block ${number} names location ${l}, which the locations table does not have`);
            // The one dependency definition (src/model/dependency.ts) under its default options,
            // which do not depend on the sender: a fee-recipient balance credit is no dependency.
            const m =
              kind === KIND_STORAGE
                ? mode
                : fieldDependencyMode(mode, ACCOUNT_FIELDS[fieldOf[l]], kind === KIND_FEE_RECIPIENT, false, DEFAULT_DEPENDENCY);
            if (m === 0) continue;
            if (t !== tx) {
              if (tx !== -2) endTx();
              tx = t;
              depth = 1;
            }
            if (stamp[l] === ord && lastDepth[l] + 1 > depth) depth = lastDepth[l] + 1;
            if (m & (ACCESS_WRITE | ACCESS_CREDIT)) pending.push(l);
          }
          acc.row = i;
          if (i < n) break;
          await guarded(tree, rel("accesses"), () => acc.load());
          cols();
        }
        if (tx !== -2) endTx();
        out.push({ block: number, txs, longestChain: longest });
      }
      if (!acc.done)
        throw bad(
          tree,
          rel("accesses"),
          `has an access of block ${aBlock[acc.row]}, which the blocks table does not list (or lists out of order)`,
        );
    }
  } finally {
    engine.close();
  }
  return out;
}
