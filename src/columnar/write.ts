/**
 * Writing columnar access-set trees. A ColumnarWriter takes blocks in chain order (a producer
 * streams them; nothing of a finished partition stays in memory), stages each partition's rows
 * in DuckDB through appenders, writes the partition's Parquet files (zstd, dictionary-encoded)
 * when the next partition starts, and at the end writes _disjoint.json and renames the whole
 * tree into place: a failed or interrupted write leaves no partial tree behind.
 *
 * Rows of a transaction come in the order the conflict graph interns them (storage reads,
 * account reads, then storage and account writes not read before), one row per distinct
 * location with mode 1 read, 2 write, 3 both; ids of contracts, locations and functions are
 * numbered from 0 in order of first use within their partition.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DuckDBAppender } from "@duckdb/node-api";
import { AccessSetFile as AccessSetFileSchema, BlockAccess as BlockAccessSchema } from "../access/format.js";
import type { AccessSetFile, BlockAccess, Names, Precision } from "../access/format.js";
import { AccessSetFormatError } from "../access/errors.js";
import { openEngine, sqlString, type Engine, type EngineOptions } from "./engine.js";
import {
  COLUMNAR_FORMAT,
  COLUMNAR_VERSION,
  DEFAULT_PARTITION_BLOCKS,
  KIND_ACCOUNT,
  KIND_BLOCK_READ,
  KIND_FEE_RECIPIENT,
  KIND_STORAGE,
  META_FILE,
  MODE_R,
  MODE_W,
  PARTITIONED,
  TABLES,
  partitionOf,
  type Partition,
  type TableName,
  type TreeMeta,
} from "./layout.js";

export interface ColumnarHeader {
  source: AccessSetFile["source"];
  precision: Precision;
  /** Blocks per partition (default 10,000). */
  partitionBlocks?: number;
}

export interface WriterOptions extends EngineOptions {
  /** Check every block against the access-set schema (default true). */
  validate?: boolean;
}

type Appenders = Record<Exclude<TableName, "names">, DuckDBAppender>;

/** Streams blocks into a new columnar tree at `tree`; `finish()` puts it in place. */
export class ColumnarWriter {
  private readonly tmp: string;
  private readonly partitionBlocks: number;
  private readonly partitions: Partition[] = [];
  private current: Partition | null = null;
  private app: Appenders | null = null;
  private contracts = new Map<string, number>();
  private locations = new Map<number, Map<string, number>>();
  private locationCount = 0;
  private functions = new Map<string, number>();
  private names: Names | undefined;
  private done = false;

  private constructor(
    readonly tree: string,
    private readonly header: ColumnarHeader,
    private readonly engine: Engine,
    private readonly validate: boolean,
  ) {
    this.tmp = path.join(path.dirname(path.resolve(tree)), `.${path.basename(tree)}.${process.pid}.${Date.now()}.tmp`);
    this.partitionBlocks = header.partitionBlocks ?? DEFAULT_PARTITION_BLOCKS;
  }

  static async create(tree: string, header: ColumnarHeader, opts: WriterOptions = {}): Promise<ColumnarWriter> {
    const parsedSource = AccessSetFileSchema.shape.source.safeParse(header.source);
    const parsedPrecision = AccessSetFileSchema.shape.precision.safeParse(header.precision);
    if (!parsedSource.success || !parsedPrecision.success) {
      const issues = [...(parsedSource.error?.issues ?? []), ...(parsedPrecision.error?.issues ?? [])];
      throw new AccessSetFormatError(
        tree,
        issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
      );
    }
    const engine = await openEngine(opts);
    const w = new ColumnarWriter(tree, header, engine, opts.validate ?? true);
    try {
      await mkdir(w.tmp, { recursive: true });
      for (const t of PARTITIONED) await engine.connection.run(`CREATE TABLE ${t} (${TABLES[t]})`);
    } catch (e) {
      await w.abort();
      throw e;
    }
    return w;
  }

  /** Decoded names, written to the `names` table at the end. */
  setNames(names: Names | undefined): void {
    this.names = names;
  }

  private contract(address: string): number {
    let c = this.contracts.get(address);
    if (c === undefined) {
      c = this.contracts.size;
      this.contracts.set(address, c);
      this.app!.contracts.appendInteger(c);
      this.app!.contracts.appendVarchar(address);
      this.app!.contracts.endRow();
    }
    return c;
  }

  private location(address: string, slot: string): number {
    const c = this.contract(address);
    let inner = this.locations.get(c);
    if (inner === undefined) this.locations.set(c, (inner = new Map()));
    let l = inner.get(slot);
    if (l === undefined) {
      l = this.locationCount++;
      inner.set(slot, l);
      const a = this.app!.locations;
      a.appendInteger(l);
      a.appendInteger(c);
      a.appendVarchar(slot);
      a.endRow();
    }
    return l;
  }

  private fn(name: string): number {
    let f = this.functions.get(name);
    if (f === undefined) {
      f = this.functions.size;
      this.functions.set(name, f);
      this.app!.functions.appendInteger(f);
      this.app!.functions.appendVarchar(name);
      this.app!.functions.endRow();
    }
    return f;
  }

  private async startPartition(number: number): Promise<void> {
    const p = partitionOf(number, this.partitionBlocks);
    if (this.current) {
      if (p.lo < this.current.lo) {
        throw new AccessSetFormatError(this.tree, [
          {
            path: `block ${number}`,
            message: `blocks must come in chain order (partition ${this.current.label} is already written); sort the blocks first`,
          },
        ]);
      }
      await this.flushPartition();
    }
    this.current = { label: p.label, lo: p.lo, hi: p.hi, blocks: 0, txs: 0, accesses: 0 };
    const c = this.engine.connection;
    this.app = {
      blocks: await c.createAppender("blocks"),
      txs: await c.createAppender("txs"),
      accesses: await c.createAppender("accesses"),
      contracts: await c.createAppender("contracts"),
      locations: await c.createAppender("locations"),
      functions: await c.createAppender("functions"),
    };
    this.contracts = new Map();
    this.locations = new Map();
    this.locationCount = 0;
    this.functions = new Map();
  }

  private async flushPartition(): Promise<void> {
    const p = this.current!;
    const c = this.engine.connection;
    for (const a of Object.values(this.app!)) {
      a.flushSync();
      a.closeSync();
    }
    this.app = null;
    for (const t of PARTITIONED) {
      const dir = path.join(this.tmp, t, p.label);
      await mkdir(dir, { recursive: true });
      await c.run(`COPY ${t} TO ${sqlString(path.join(dir, "data_0.parquet"))} (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(`DELETE FROM ${t}`);
    }
    this.partitions.push(p);
  }

  /** Adds one block; blocks must come in chain order (at least, partition by partition). */
  async addBlock(block: BlockAccess): Promise<void> {
    if (this.done) throw new Error("ColumnarWriter: addBlock after finish");
    if (this.validate) {
      const r = BlockAccessSchema.safeParse(block);
      if (!r.success) {
        throw new AccessSetFormatError(
          this.tree,
          r.error.issues.map((i) => ({ path: [`block ${block.number}`, ...i.path.map(String)].join("."), message: i.message })),
        );
      }
    }
    if (!this.current || block.number > this.current.hi || block.number < this.current.lo) await this.startPartition(block.number);
    const p = this.current!;
    const app = this.app!;
    const b = app.blocks;
    b.appendBigInt(BigInt(block.number));
    appendText(b, block.hash);
    b.appendVarchar(block.coinbase);
    appendBig(b, block.gasUsed);
    appendBig(b, block.timestamp);
    b.appendBoolean(block.blockReads !== undefined);
    b.endRow();
    p.blocks++;
    const num = BigInt(block.number);
    const a = app.accesses;
    const rowLoc: number[] = [];
    const rowKind: number[] = [];
    const rowMode: number[] = [];
    const at = new Map<number, number>();
    for (const tx of block.txs) {
      const t = app.txs;
      t.appendBigInt(num);
      t.appendInteger(tx.index);
      appendText(t, tx.hash);
      appendText(t, tx.from);
      appendText(t, tx.to);
      appendText(t, tx.selector);
      if (tx.function === undefined) t.appendNull();
      else t.appendInteger(this.fn(tx.function));
      t.appendBigInt(BigInt(tx.gasUsed));
      appendText(t, tx.status);
      appendText(t, tx.costs === undefined ? undefined : JSON.stringify(tx.costs));
      appendText(t, tx.declared === undefined ? undefined : JSON.stringify(tx.declared));
      t.endRow();
      p.txs++;
      rowLoc.length = rowKind.length = rowMode.length = 0;
      at.clear();
      const add = (address: string, slot: string, kind: number, mode: number) => {
        const l = this.location(address, slot);
        const i = at.get(l);
        if (i !== undefined) {
          rowMode[i] |= mode;
          return;
        }
        at.set(l, rowLoc.length);
        rowLoc.push(l);
        rowKind.push(kind);
        rowMode.push(mode);
      };
      for (const [x, s] of tx.storage.reads) add(x, s, KIND_STORAGE, MODE_R);
      const fee = block.coinbase;
      for (const [x, f] of tx.accounts.reads) add(x, f, x === fee ? KIND_FEE_RECIPIENT : KIND_ACCOUNT, MODE_R);
      for (const [x, s] of tx.storage.writes) add(x, s, KIND_STORAGE, MODE_W);
      for (const [x, f] of tx.accounts.writes) add(x, f, x === fee ? KIND_FEE_RECIPIENT : KIND_ACCOUNT, MODE_W);
      for (let i = 0; i < rowLoc.length; i++) {
        a.appendBigInt(num);
        a.appendInteger(tx.index);
        a.appendInteger(rowLoc[i]);
        a.appendTinyInt(rowKind[i]);
        a.appendTinyInt(rowMode[i]);
        a.endRow();
      }
      p.accesses += rowLoc.length;
    }
    for (const [x, s] of block.blockReads ?? []) {
      a.appendBigInt(num);
      a.appendNull();
      a.appendInteger(this.location(x, s));
      a.appendTinyInt(KIND_BLOCK_READ);
      a.appendTinyInt(MODE_R);
      a.endRow();
      p.accesses++;
    }
  }

  /** Writes the last partition, the names table and _disjoint.json, and renames the tree into place. */
  async finish(): Promise<TreeMeta> {
    if (this.done) throw new Error("ColumnarWriter: finish called twice");
    this.done = true;
    try {
      if (this.current) await this.flushPartition();
      const c = this.engine.connection;
      await c.run(`CREATE TABLE names (${TABLES.names})`);
      const n = await c.createAppender("names");
      for (const [address, name] of Object.entries(this.names?.accounts ?? {})) {
        n.appendVarchar(address);
        n.appendNull();
        n.appendVarchar(name);
        n.endRow();
      }
      for (const [ref, name] of Object.entries(this.names?.slots ?? {})) {
        const [address, slot] = ref.split(":");
        n.appendVarchar(address!);
        n.appendVarchar(slot!);
        n.appendVarchar(name);
        n.endRow();
      }
      n.flushSync();
      n.closeSync();
      await mkdir(path.join(this.tmp, "names"), { recursive: true });
      await c.run(`COPY names TO ${sqlString(path.join(this.tmp, "names", "data_0.parquet"))} (FORMAT parquet, COMPRESSION zstd)`);
      const meta: TreeMeta = {
        format: COLUMNAR_FORMAT,
        version: COLUMNAR_VERSION,
        source: this.header.source,
        precision: this.header.precision,
        partitionBlocks: this.partitionBlocks,
        partitions: this.partitions,
        names: this.names ? { accounts: this.names.accounts !== undefined, slots: this.names.slots !== undefined } : null,
      };
      await writeFile(path.join(this.tmp, META_FILE), JSON.stringify(meta, null, 1) + "\n");
      this.engine.close();
      await replaceDir(this.tmp, this.tree);
      return meta;
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Drops everything written so far. */
  async abort(): Promise<void> {
    this.done = true;
    try {
      this.engine.close();
    } catch {
      // already closed
    }
    await rm(this.tmp, { recursive: true, force: true });
  }
}

function appendText(a: DuckDBAppender, v: string | null | undefined): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendVarchar(v);
}

function appendBig(a: DuckDBAppender, v: number | undefined): void {
  if (v === undefined) a.appendNull();
  else a.appendBigInt(BigInt(v));
}

/** Puts directory `tmp` at `target`, replacing what is there only once `tmp` is complete. */
async function replaceDir(tmp: string, target: string): Promise<void> {
  const old = `${tmp}.old`;
  let moved = false;
  try {
    await rename(target, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await rename(tmp, target);
  if (moved) await rm(old, { recursive: true, force: true });
}

/** Writes an access-set file as a columnar tree (atomically). */
export async function saveColumnar(
  tree: string,
  file: AccessSetFile,
  opts: WriterOptions & { partitionBlocks?: number } = {},
): Promise<TreeMeta> {
  const w = await ColumnarWriter.create(
    tree,
    { source: file.source, precision: file.precision, partitionBlocks: opts.partitionBlocks },
    opts,
  );
  try {
    for (const b of file.blocks) await w.addBlock(b);
  } catch (e) {
    await w.abort();
    throw e;
  }
  w.setNames(file.names);
  return w.finish();
}
