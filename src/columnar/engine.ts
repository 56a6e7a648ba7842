/**
 * The embedded SQL engine (DuckDB, `@duckdb/node-api`): one in-process database per job, with
 * bounded memory and a spill directory, and helpers to stream query results chunk by chunk.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBVector } from "@duckdb/node-api";
import { DisjointError } from "../errors.js";

/** The embedded engine is not installed (it is an optional dependency: JSON users never need it). */
export class EngineMissingError extends DisjointError {}

/**
 * Loads `@duckdb/node-api` on first use. It is an optionalDependency of disjoint: an install
 * that skipped it (`--omit=optional`, an unsupported platform) still reads and writes JSON, and
 * only Parquet trees and `conflicts study` need it.
 */
async function duckdb(): Promise<typeof import("@duckdb/node-api")> {
  try {
    return await import("@duckdb/node-api");
  } catch (e) {
    throw new EngineMissingError(
      "the embedded SQL engine (@duckdb/node-api) is not installed: Parquet access-set trees and `conflicts study` need it",
      {
        details: [
          "it is an optional dependency of disjoint; an install with --omit=optional, or on a platform DuckDB ships no binary for, leaves it out",
          "JSON access-set files work without it",
        ],
        hint: "npm install @duckdb/node-api (in the project that uses disjoint), or convert the tree to JSON on a machine that has it",
        cause: e,
      },
    );
  }
}

export interface EngineOptions {
  /** Worker threads (default: DuckDB's, the number of cores). */
  threads?: number;
  /** DuckDB memory limit, e.g. "2GB" (default "1GB"); past it, operators spill to `tempDirectory`. */
  memoryLimit?: string;
  tempDirectory?: string;
  /** Other DuckDB settings (name -> value), e.g. allocator_flush_threshold. */
  settings?: Record<string, string>;
}

export interface Engine {
  connection: DuckDBConnection;
  /** Another connection to the same database (closed with the engine), for a second open result. */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

export async function openEngine(opts: EngineOptions = {}): Promise<Engine> {
  const config: Record<string, string> = { memory_limit: opts.memoryLimit ?? "1GB" };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
  Object.assign(config, opts.settings);
  const { DuckDBInstance: Instance } = await duckdb();
  const instance: DuckDBInstance = await Instance.create(":memory:", config);
  const connection = await instance.connect();
  const all = [connection];
  return {
    connection,
    async connect() {
      const c = await instance.connect();
      all.push(c);
      return c;
    },
    close() {
      for (const c of all) c.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Runs `sql` and calls `onChunk` for each result chunk (about 2,048 rows), never holding the whole result. */
export async function forEachChunk(connection: DuckDBConnection, sql: string, onChunk: (chunk: DuckDBDataChunk) => void): Promise<void> {
  const result = await connection.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    onChunk(chunk);
  }
}

/** Column `i` of a chunk as plain JS values (numbers for INTEGER/TINYINT, bigint for BIGINT). */
export function column<T>(chunk: DuckDBDataChunk, i: number): T[] {
  const v = chunk.getColumnVector(i);
  const out = new Array<T>(chunk.rowCount);
  for (let r = 0; r < chunk.rowCount; r++) out[r] = v.getItem(r) as T;
  return out;
}

/** A stream of result chunks with the current chunk's row position. */
export class Chunks {
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
