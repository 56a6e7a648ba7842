/**
 * The fast read path of a columnar tree into the conflict graph's compact form (what
 * `conflicts analyze` takes), partition by partition. No JS value per access or per string:
 * integer columns are DuckDB column chunks used in place as typed arrays; slots, addresses and
 * transaction hashes are decoded by DuckDB into one binary buffer (`GrowBytes`, 16,384 values
 * per native call) and turned into strings only when a report names them (`HexColumn`); values
 * are checked by one SQL query per table. A partition's locations become key ids on first use.
 */
import path from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import type { Names } from "../access/format.js";
import { CompactBuilder, GrowI32, txFunctionLabel, type CompactAccessSets } from "../model/block.js";
import type { AnalysisInput } from "../conflicts/analyze.js";
import { GrowBytes, HexColumn, IndexedColumn } from "./bytes.js";
import { Chunks, forEachChunk, openEngine, sqlString, type Engine, type EngineOptions } from "./engine.js";
import { ACCESS_CREDIT, ACCESS_WRITE, DEFAULT_DEPENDENCY, fieldDependencyMode } from "../model/dependency.js";
import { KIND_BLOCK_READ, KIND_FEE_RECIPIENT, KIND_STORAGE, type Partition, type TableName } from "./layout.js";
import { bad, guarded, readNames, readTreeMeta, type ReadRange } from "./read.js";

const ADDRESS = "0x[0-9a-f]{40}";
const HASH = "0x[0-9a-f]{64}";
const SELECTOR = "0x[0-9a-f]{8}";
const SLOT = `${HASH}|balance|nonce|code`;
const whole = (re: string) => new RegExp(`^(${re})$`);

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

/** Every row of `sql` chunk by chunk, as (chunk, rows) to a callback. */
const eachChunk = (c: DuckDBConnection, sql: string, on: (chunk: DuckDBDataChunk, n: number) => void): Promise<void> =>
  forEachChunk(c, sql, (chunk) => on(chunk, chunk.rowCount));

/** Rows decoded per native call by the byte readers. */
const BYTES_GROUP = 16_384;
/** Rows per query of the byte readers: DuckDB holds one query's strings at a time (about 20 MB). */
const BYTES_QUERY = 16 * BYTES_GROUP;

/**
 * One query of the byte readers: the hex digits `hex` (an SQL expression, `w` bytes once
 * decoded) of the rows of `file` matching `where`, DuckDB decoding each group of 16,384 rows
 * (by `group`, in the order `order`) into one BLOB: one native call and one copy per group, no
 * JS string per value. `ok` is the rows' check (an SQL condition): a row that fails it gives
 * zeros. Calls `place(group, rows, bytes)` per group in order; returns false if a row failed.
 */
async function bytesQuery(
  c: DuckDBConnection,
  file: string,
  where: string,
  hex: string,
  ok: string,
  w: number,
  group: string,
  order: string,
  place: (group: number, rows: number, bytes: Uint8Array) => void,
): Promise<boolean> {
  const sql = `SELECT CAST(${group} // ${BYTES_GROUP} AS DOUBLE) AS g, COUNT(*), unhex(string_agg(v, '' ORDER BY ${order})), bool_and(ok)
    FROM (SELECT CASE WHEN ok THEN h ELSE ${zeros(w)} END AS v, ok, ${group === order ? group : `${group}, ${order}`}
      FROM (SELECT COALESCE(${ok}, false) AS ok, ${hex} AS h, * FROM read_parquet(${file}, file_row_number = true) ${where}))
    GROUP BY g ORDER BY g`;
  let allOk = true;
  await eachChunk(c, sql, (ch, n) => {
    const gs = ch.getColumnVector(0);
    const count = ch.getColumnVector(1);
    const blobs = ch.getColumnVector(2);
    const good = ch.getColumnVector(3);
    for (let i = 0; i < n; i++) {
      if (good.getItem(i) !== true) allOk = false;
      if (!allOk) continue;
      const k = Number(count.getItem(i) as bigint);
      const bytes = (blobs.getItem(i) as { bytes: Uint8Array }).bytes;
      if (bytes.length !== k * w) throw new Error(`bytesQuery: ${bytes.length} bytes for ${k} rows of ${w}`);
      place(gs.getItem(i) as number, k, bytes);
    }
  });
  return allOk;
}

/**
 * The bytes of a dictionary table (contracts, locations) by id: the row with id `l` of column
 * `id` goes to record `target[l]` of `out` (ids without a target are absent from the table or
 * left out by `filter`).
 * Queried by id range, so a table sorted by id (as the writer writes it) is read once; ids
 * need not be dense or in order. Returns false if a row failed `ok`.
 */
async function bytesById(
  c: DuckDBConnection,
  file: string,
  id: string,
  hex: string,
  ok: string,
  out: GrowBytes,
  target: Int32Array,
  onDuplicate: () => Error,
  filter = "true",
): Promise<boolean> {
  const w = out.stride;
  let allOk = true;
  for (let lo = 0; lo < target.length && allOk; lo += BYTES_QUERY) {
    const where = `WHERE ${id} >= ${lo} AND ${id} < ${lo + BYTES_QUERY} AND ${filter}`;
    allOk = await bytesQuery(c, file, where, hex, ok, w, id, id, (g, rows, bytes) => {
      // The group's rows in id order: one per present id.
      let l = g * BYTES_GROUP;
      const end = Math.min(target.length, l + BYTES_GROUP);
      for (let r = 0; r < rows; r++, l++) {
        while (l < end && target[l] < 0) l++;
        if (l >= end) throw onDuplicate();
        out.buf.set(bytes.subarray(r * w, r * w + w), target[l] * w);
      }
      while (l < end && target[l] < 0) l++;
      if (l < end) throw onDuplicate();
    });
  }
  return allOk;
}

/**
 * The bytes of the transactions of blocks `lo`..`hi` of `file` (rows in block order, as the
 * format requires), in file order, to records `at`, `at + 1`... of `out`, queried by block
 * range (about `BYTES_QUERY` rows each, from the partition's density). Returns the rows and
 * whether all passed `ok`.
 */
async function bytesByBlock(
  c: DuckDBConnection,
  file: string,
  p: Partition,
  lo: number,
  hi: number,
  hex: string,
  ok: string,
  out: GrowBytes,
  at: number,
): Promise<{ rows: number; ok: boolean }> {
  const w = out.stride;
  const from = Math.max(lo, p.lo);
  const to = Math.min(hi, p.hi);
  const step = Math.max(1, Math.floor((BYTES_QUERY * (p.hi - p.lo + 1)) / Math.max(1, p.txs)));
  let rows = 0;
  let allOk = true;
  for (let b = from; b <= to && allOk; b += step) {
    const where = `WHERE block BETWEEN ${b} AND ${Math.min(to, b + step - 1)}`;
    allOk = await bytesQuery(c, file, where, hex, ok, w, "file_row_number", "file_row_number", (_g, k, bytes) => {
      out.ensure(at + rows + k);
      out.buf.set(bytes, (at + rows) * w);
      rows += k;
    });
  }
  return { rows, ok: allOk };
}

/** The first row of `file` (in file order) where `cond` holds, as `cols`, or undefined. */
async function firstWhere(c: DuckDBConnection, file: string, where: string, cond: string, cols: string): Promise<unknown[] | undefined> {
  const filter = where === "" ? `WHERE ${cond}` : `${where} AND (${cond})`;
  return (
    await c.runAndReadAll(`SELECT ${cols} FROM read_parquet(${file}, file_row_number = true) ${filter} ORDER BY file_row_number LIMIT 1`)
  ).getRows()[0];
}

const zeros = (bytes: number) => `'${"0".repeat(2 * bytes)}'`;

/** A location's account field (0: a storage slot, -1: not a valid slot text), and the bytes of a storage slot. */
const FIELD_NAMES = ["", "balance", "nonce", "code"] as const;
const FIELD_CODE = `CAST(CASE WHEN slot LIKE '0x%' THEN 0 WHEN slot = 'balance' THEN 1 WHEN slot = 'nonce' THEN 2 WHEN slot = 'code' THEN 3 ELSE -1 END AS TINYINT)`;
const SLOT_BYTES = 32;

/** Transaction record: null bits (1 hash, 2 sender, 4 recipient, 8 selector; plus 16), hash, sender, recipient, selector. */
const TX_RECORD = 1 + 32 + 20 + 20 + 4;
const TX_HEX =
  `to_hex(16 + (hash IS NULL)::INTEGER + 2 * (sender IS NULL)::INTEGER + 4 * (recipient IS NULL)::INTEGER + 8 * (selector IS NULL)::INTEGER) || ` +
  `COALESCE(substr(hash, 3), ${zeros(32)}) || COALESCE(substr(sender, 3), ${zeros(20)}) || COALESCE(substr(recipient, 3), ${zeros(20)}) || COALESCE(substr(selector, 3), ${zeros(4)})`;
const TX_OK = `tx >= 0 AND (hash IS NULL OR regexp_full_match(hash, '${HASH}')) AND (sender IS NULL OR regexp_full_match(sender, '${ADDRESS}')) AND (recipient IS NULL OR regexp_full_match(recipient, '${ADDRESS}')) AND (selector IS NULL OR regexp_full_match(selector, '${SELECTOR}'))`;

/**
 * What the reader keeps across partitions, all in typed arrays and byte buffers: accounts
 * (each partition's contracts, numbered after the previous partitions'), locations (likewise:
 * account, field code, slot bytes), keys (a location each) and transactions (record bytes and
 * null bits).
 */
class Store {
  readonly accounts = new GrowBytes(20);
  nAccounts = 0;
  readonly locAccount = new GrowI32(1 << 12);
  readonly slots = new GrowBytes(SLOT_BYTES);
  locField = new Int8Array(1024);
  nLocations = 0;
  readonly keyLocation = new GrowI32(1 << 14);
  readonly txs: GrowBytes;
  constructor(txs: number) {
    this.txs = new GrowBytes(TX_RECORD, txs);
  }

  /** The account field code of global location `g` (0: a storage slot). */
  field(g: number): number {
    return this.locField[g];
  }

  /** The string columns of the compact form over these bytes. */
  strings(txCount: number) {
    const accounts = new HexColumn(this.accounts.buf, 20, 0, 20, this.nAccounts, 0, true);
    const locAccount = this.locAccount.a;
    const slots = new HexColumn(this.slots.buf, SLOT_BYTES, 0, SLOT_BYTES, this.nLocations);
    const keys = this.keyLocation.view();
    const tx = (offset: number, width: number, nullBit: number) => new HexColumn(this.txs.buf, TX_RECORD, offset, width, txCount, nullBit);
    return {
      keyAccount: new IndexedColumn((l) => accounts.at(locAccount[l])!, keys, keys.length),
      keyField: new IndexedColumn((l) => (this.field(l) === 0 ? slots.at(l)! : FIELD_NAMES[this.field(l)]), keys, keys.length),
      txHash: tx(1, 32, 1),
      txFrom: tx(33, 20, 2),
      txTo: tx(53, 20, 4),
    };
  }
}

/** A partition's dictionaries: its contracts and locations as global account and location numbers. */
interface Dict {
  /** Location id -> global location number (-1: no such location). */
  location: Int32Array;
  fnName: (string | undefined)[];
}

/** Largest id of `col` in `file`, plus one (0 for an empty table); null if an id is null or negative. */
async function idCount(c: DuckDBConnection, file: string, col: string): Promise<number | null> {
  const [max, missing, min] = (
    await c.runAndReadAll(`SELECT MAX(${col}), COUNT(*) - COUNT(${col}), MIN(${col}) FROM read_parquet(${file})`)
  ).getRows()[0];
  if (Number(missing) > 0 || (min !== null && Number(min) < 0)) return null;
  return Number(max ?? -1) + 1;
}

/** The columns `cols` of every row of `file`, chunk by chunk, in any order (ids are placed by value). */
async function eachRow(c: DuckDBConnection, file: string, cols: string, on: (ch: DuckDBDataChunk, n: number) => void): Promise<void> {
  await eachChunk(c, `SELECT ${cols} FROM read_parquet(${file})`, on);
}

async function readDict(engine: Engine, tree: string, p: Partition, s: Store): Promise<Dict> {
  const c = engine.connection;
  const rel = (t: TableName) => path.join(t, p.label, "data_0.parquet");
  const file = (t: TableName) => sqlString(path.join(tree, rel(t)));
  const where = (t: TableName) => path.join(t, p.label);
  const badIds = (t: TableName, col: string) => () => bad(tree, where(t), `has a null, negative or repeated ${col} id`);

  // Contracts: their ids (id -> global account number), then their address bytes, checked in the same pass.
  const nContracts = await guarded(tree, rel("contracts"), () => idCount(c, file("contracts"), "contract"));
  if (nContracts === null) throw badIds("contracts", "contract")();
  const accountBase = s.nAccounts;
  const account = new Int32Array(nContracts).fill(-1);
  await guarded(tree, rel("contracts"), () =>
    eachRow(c, file("contracts"), "contract", (ch, n) => {
      const id = typed(ch.getColumnVector(0), n, Int32Array);
      for (let r = 0; r < n; r++) {
        if (account[id[r]] >= 0) throw badIds("contracts", "contract")();
        account[id[r]] = accountBase + id[r];
      }
    }),
  );
  s.accounts.ensure(accountBase + nContracts);
  s.nAccounts = accountBase + nContracts;
  const contractsOk = `regexp_full_match(address, '${ADDRESS}')`;
  const contractsGood = await guarded(tree, rel("contracts"), () =>
    bytesById(c, file("contracts"), "contract", "substr(address, 3)", contractsOk, s.accounts, account, badIds("contracts", "contract")),
  );
  if (!contractsGood) {
    const [id, address] = (await guarded(tree, rel("contracts"), () =>
      firstWhere(c, file("contracts"), "", `NOT COALESCE(${contractsOk}, false)`, "contract, address"),
    ))!;
    throw bad(tree, where("contracts"), `contract ${String(id)}: address ${String(address)}: expected 0x and 40 lowercase hex digits`);
  }

  // Locations: (id, contract) in typed chunks, then each one's field code and slot bytes, checked in the same pass.
  const nLoc = await guarded(tree, rel("locations"), () => idCount(c, file("locations"), "location"));
  if (nLoc === null) throw badIds("locations", "location")();
  const locBase = s.nLocations;
  const location = new Int32Array(nLoc).fill(-1);
  s.locAccount.a = ensureI32(s.locAccount.a, locBase + nLoc);
  s.slots.ensure(locBase + nLoc);
  if (s.locField.length < locBase + nLoc) {
    const f = new Int8Array(Math.max(locBase + nLoc, 2 * s.locField.length));
    f.set(s.locField);
    s.locField = f;
  }
  // Storage slots only: their bytes come next; an account field has none.
  const slotRecord = new Int32Array(nLoc).fill(-1);
  let badField = false;
  s.nLocations = locBase + nLoc;
  s.locAccount.n = s.nLocations;
  await guarded(tree, rel("locations"), () =>
    eachRow(c, file("locations"), `location, contract, ${FIELD_CODE}`, (ch, n) => {
      const id = typed(ch.getColumnVector(0), n, Int32Array);
      const con = typed(ch.getColumnVector(1), n, Int32Array);
      const field = typed(ch.getColumnVector(2), n, Int8Array);
      const conValid = ch.getColumnVector(1);
      for (let r = 0; r < n; r++) {
        const l = id[r];
        const a = con[r] >= 0 && con[r] < nContracts && conValid.getItem(r) !== null ? account[con[r]] : -1;
        if (a < 0) throw bad(tree, where("locations"), `location ${l} names contract ${con[r]}, which the contracts table does not have`);
        if (location[l] >= 0) throw badIds("locations", "location")();
        const g = locBase + l;
        location[l] = g;
        s.locAccount.a[g] = a;
        s.locField[g] = field[r];
        if (field[r] === 0) slotRecord[l] = g;
        else if (field[r] < 0) badField = true;
      }
    }),
  );
  const locationsOk = `regexp_full_match(slot, '${SLOT}')`;
  const locationsGood =
    !badField &&
    (await guarded(tree, rel("locations"), () =>
      bytesById(
        c,
        file("locations"),
        "location",
        "substr(slot, 3)",
        locationsOk,
        s.slots,
        slotRecord,
        badIds("locations", "location"),
        "slot LIKE '0x%'",
      ),
    ));
  if (!locationsGood) {
    const [l, slot] = (await guarded(tree, rel("locations"), () =>
      firstWhere(c, file("locations"), "", `NOT COALESCE(${locationsOk}, false)`, "location, slot"),
    ))!;
    throw bad(
      tree,
      where("locations"),
      `location ${String(l)}: slot ${String(slot)}: expected 0x and 64 lowercase hex digits, or balance, nonce or code`,
    );
  }
  const fnName: (string | undefined)[] = [];
  await guarded(tree, rel("functions"), () =>
    eachChunk(c, `SELECT function, name FROM read_parquet(${file("functions")})`, (ch, n) => {
      for (let r = 0; r < n; r++) fnName[ch.getColumnVector(0).getItem(r) as number] = ch.getColumnVector(1).getItem(r) as string;
    }),
  );
  return { location, fnName };
}

function ensureI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
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
  const b = new CompactBuilder(true);
  const lo = opts.from ?? 0;
  const hi = opts.to ?? Number.MAX_SAFE_INTEGER;
  const parts = meta.partitions.filter((p) => p.hi >= lo && p.lo <= hi);
  const store = new Store(parts.reduce((n, p) => n + (p.txs ?? 0), 0));
  try {
    names = await readNames(engine, tree, meta);
    const accountNames = names?.accounts ?? {};
    const nameOf = (a: string) => accountNames[a];
    const keys = await repeatedLocations(engine, tree, parts);
    for (let i = 0; i < parts.length; i++) await readPartition(engine, tree, parts[i], i, lo, hi, b, nameOf, keys, store);
  } finally {
    engine.close();
  }
  const txCount = b.txs;
  const input: AnalysisInput & { compact: CompactAccessSets } = {
    source: meta.source,
    precision: meta.precision,
    compact: b.build(names, store.strings(txCount)),
  };
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
  s: Store,
): Promise<void> {
  const dict = await readDict(engine, tree, p, s);
  const keyOf = new Int32Array(dict.location.length).fill(-1);
  keys.keyOf[part] = keyOf;
  const alias = keys.alias[part];
  const newKey = (l: number): number => {
    const g = dict.location[l];
    s.keyLocation.push(g);
    return b.addKey(s.field(g) !== 0);
  };
  /** The key of location l, new on first use unless an earlier partition has the same location. */
  const keyOfLocation = (l: number): number => {
    const a = alias.get(l);
    let k = -1;
    if (a !== undefined) {
      const earlier = keys.keyOf[a.part];
      k = earlier[a.location];
      if (k < 0) k = earlier[a.location] = newKey(l);
    } else k = newKey(l);
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
  // The transactions: their strings as bytes (one record each, in file order, checked in the
  // same pass), their numbers as typed chunks in the same order.
  const txBase = b.txs;
  const txBytes = await guarded(tree, rel("txs"), () =>
    bytesByBlock(engine.connection, file("txs"), p, lo, hi, TX_HEX, TX_OK, s.txs, txBase),
  );
  if (!txBytes.ok) {
    const row = await guarded(tree, rel("txs"), () =>
      firstWhere(
        engine.connection,
        file("txs"),
        where,
        `NOT COALESCE(${TX_OK}, false)`,
        "CAST(block AS DOUBLE), tx, hash, sender, recipient, selector",
      ),
    );
    const [number, index, hash, from, to, selector] = row as [
      number,
      number | null,
      string | null,
      string | null,
      string | null,
      string | null,
    ];
    const problem =
      index === null || index < 0
        ? `index ${index}: expected a non-negative integer`
        : hash !== null && !whole(HASH).test(hash)
          ? `hash ${hash}: expected 0x and 64 lowercase hex digits`
          : from !== null && !whole(ADDRESS).test(from)
            ? `sender ${from}: expected 0x and 40 lowercase hex digits`
            : to !== null && !whole(ADDRESS).test(to)
              ? `recipient ${to}: expected 0x and 40 lowercase hex digits`
              : `selector ${selector}: expected 0x and 8 lowercase hex digits`;
    throw bad(tree, rel("txs"), `transaction ${index} of block ${number}: ${problem}`);
  }
  const nTx = txBytes.rows;
  const ct = await engine.connect();
  const ca = await engine.connect();
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
  // The function label of a transaction with no decoded function needs its recipient and selector.
  const recipient = new HexColumn(s.txs.buf, TX_RECORD, 53, 20, txBase + nTx, 4);
  const selector = new HexColumn(s.txs.buf, TX_RECORD, 73, 4, txBase + nTx, 8);
  const nLoc = keyOf.length;
  let txRow = txBase;
  for (const [blockNumber, coinbase] of blocks) {
    const number = blockNumber as number;
    b.beginBlock(number, coinbase as string);
    while (!txs.done && tBlock[txs.row] === number) {
      const r = txs.row;
      const index = tIndex[r];
      const f = tFn[r];
      let label: string;
      if (f !== -1) {
        const fn = dict.fnName[f];
        if (fn === undefined)
          throw bad(tree, rel("txs"), `a transaction of block ${number} names function ${f}, which the functions table does not have`);
        label = fn;
      } else label = txFunctionLabel({ selector: selector.at(txRow) ?? null, to: recipient.at(txRow) ?? null }, nameOf);
      txRow++;
      b.beginTx({ index, function: label, gasUsed: tGas[r] });
      if (++txs.row >= txs.n) await nextTxChunk();
      // The transaction's accesses follow it, in order.
      while (!acc.done) {
        let i = acc.row;
        const n = acc.n;
        for (; i < n && aBlock[i] === number && aTx[i] === index; i++) {
          const l = aLoc[i];
          if (l < 0 || l >= nLoc || dict.location[l] < 0)
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
