/**
 * Streaming reading and writing of access-set files of any size.
 *
 * A file of 1,000,000 transactions is over a gigabyte of JSON, past V8's maximum string
 * length, so it cannot be read with one JSON.parse. The reader here takes the text in chunks
 * and walks the structure of the format (format.ts) incrementally: the top-level object, the
 * `blocks` array, each block object, its `txs` array, and `names` with its two maps are
 * followed token by token; every other value (a transaction, a source object, a names entry)
 * is cut out of the text whole and given to JSON.parse, then checked with the format's zod
 * schema. Extra memory is one chunk plus one transaction; the result is the same
 * AccessSetFile the whole-file loader gives, with equal address and slot strings shared.
 *
 * Errors are AccessSetFormatErrors naming the file, the path (`blocks.3.txs.120.from`) and
 * the problem; a file that ends early says where it was cut.
 *
 * The writer streams the same text JSON.stringify would give, one transaction at a time,
 * through a temporary file and a rename.
 */
import { InputError } from "../errors.js";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, createGzip } from "node:zlib";
import { z } from "zod";
import {
  AccessSetFile,
  BlockAccess,
  FORMAT_NAME,
  FORMAT_VERSION,
  Names,
  TxAccess,
  type AccessSetFile as AccessSetFileT,
  type BlockAccess as BlockAccessT,
  type TxAccess as TxAccessT,
} from "./format.js";
import { AccessSetFormatError } from "./errors.js";

type Path = (string | number)[];

const Header = AccessSetFile.omit({ blocks: true, names: true });
const BlockHeader = BlockAccess.omit({ txs: true });

/** Where a container sits in the format, which decides whether it is streamed or cut out whole. */
const Role = { Root: 0, Blocks: 1, Block: 2, Txs: 3, Names: 4, NameMap: 5 } as const;
type Role = (typeof Role)[keyof typeof Role];

interface ObjectFrame {
  array: false;
  role: Role;
  path: Path;
  value: Record<string, unknown>;
  key: string | null;
  /** 0: expects a key or `}`; 1: a key (after a comma); 2: `:`; 3: a value; 4: `,` or `}`. */
  state: number;
}

interface ArrayFrame {
  array: true;
  role: Role;
  path: Path;
  value: unknown[];
  /** 0: expects a value or `]`; 3: a value (after a comma); 4: `,` or `]`. */
  state: number;
}

type Frame = ObjectFrame | ArrayFrame;

/** A value being cut out of the text: scanned up to `at`, not yet complete. */
interface RawScan {
  start: number;
  at: number;
  depth: number;
  inString: boolean;
  kind: "container" | "string" | "primitive";
}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function zodProblems(error: z.ZodError, prefix: Path): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join("."), message: i.message }));
}

// A fast check equivalent to the TxAccess schema, on JSON.parse output, without copying it:
// zod builds a new object for every transaction, which for a million of them costs most of
// the load time and doubles the garbage. Anything it rejects goes to the schema for the error.
const ADDRESS = /^0x[0-9a-f]{40}$/;
const SLOT = /^0x[0-9a-f]{64}$/;
const SELECTOR = /^0x[0-9a-f]{8}$/;
const TX_KEYS = new Set([
  "index",
  "hash",
  "from",
  "to",
  "selector",
  "function",
  "gasUsed",
  "costs",
  "status",
  "storage",
  "accounts",
  "declared",
]);
const LISTS_KEYS = new Set(["reads", "writes"]);
const DECLARED_KEYS = new Set(["reads", "writes", "snapshots"]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isUint = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
const isAddress = (x: unknown) => typeof x === "string" && ADDRESS.test(x);
const isSlot = (x: unknown) => typeof x === "string" && SLOT.test(x);
const isField = (x: unknown) => x === "balance" || x === "nonce" || x === "code";
const isDeclaredSlot = (x: unknown) => x === "*" || isSlot(x);

function onlyKeys(o: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function isPairs(list: unknown, second: (x: unknown) => boolean): boolean {
  if (!Array.isArray(list)) return false;
  for (const p of list) {
    if (!Array.isArray(p) || p.length !== 2 || !isAddress(p[0]) || !second(p[1])) return false;
  }
  return true;
}

function isLists(o: unknown, second: (x: unknown) => boolean): boolean {
  return isObject(o) && onlyKeys(o, LISTS_KEYS) && isPairs(o.reads, second) && isPairs(o.writes, second);
}

function isTxAccess(t: unknown): t is TxAccessT {
  if (!isObject(t) || !onlyKeys(t, TX_KEYS)) return false;
  if (!isUint(t.index) || !isUint(t.gasUsed) || !(t.from === null || isAddress(t.from))) return false;
  if (!(t.hash === null || isSlot(t.hash))) return false;
  if (!(t.to === null || isAddress(t.to))) return false;
  if (!(t.selector === null || (typeof t.selector === "string" && SELECTOR.test(t.selector)))) return false;
  if (t.function !== undefined && typeof t.function !== "string") return false;
  if (t.status !== undefined && t.status !== "success" && t.status !== "reverted") return false;
  if (t.costs !== undefined) {
    if (!isObject(t.costs)) return false;
    for (const k in t.costs) {
      const v = t.costs[k];
      if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) return false;
    }
  }
  if (!isLists(t.storage, isSlot) || !isLists(t.accounts, isField)) return false;
  if (t.declared !== undefined) {
    const d = t.declared;
    if (!isObject(d) || !onlyKeys(d, DECLARED_KEYS) || !isPairs(d.reads, isDeclaredSlot) || !isPairs(d.writes, isDeclaredSlot))
      return false;
    if (d.snapshots !== undefined && !isPairs(d.snapshots, isSlot)) return false;
  }
  return true;
}

/** Incremental parser of one access-set file's text; feed chunks, then `end()`. */
export class AccessSetStreamParser {
  private buf = "";
  private pos = 0;
  /** Characters dropped from the front of `buf` so far (for offsets in errors). */
  private dropped = 0;
  private stack: Frame[] = [];
  private raw: RawScan | null = null;
  private root: Record<string, unknown> | null = null;
  private finished = false;
  private readonly strings = new Map<string, string>();
  private txCount = 0;

  constructor(private readonly file: string) {}

  /** Transactions read so far. */
  get transactions(): number {
    return this.txCount;
  }

  feed(chunk: string): void {
    const keep = this.raw ? this.raw.start : this.pos;
    this.buf = keep > 0 ? this.buf.slice(keep) + chunk : this.buf + chunk;
    this.dropped += keep;
    this.pos -= keep;
    if (this.raw) {
      this.raw.at -= keep;
      this.raw.start = 0;
    }
    this.run(false);
  }

  end(): AccessSetFileT {
    this.run(true);
    if (!this.finished) {
      const top = this.stack[this.stack.length - 1];
      const where = top ? this.childPath(top) : [];
      this.fail(
        where,
        `the file ends here, inside the value (${this.dropped + this.buf.length} characters read): it is truncated; re-capture or re-copy it`,
      );
    }
    return this.root as unknown as AccessSetFileT;
  }

  private fail(path: Path, message: string): never {
    throw new AccessSetFormatError(this.file, [{ path: path.join("."), message }]);
  }

  private syntax(message: string): never {
    const top = this.stack[this.stack.length - 1];
    this.fail(top ? this.childPath(top) : [], `${message} at character ${this.dropped + this.pos}: not valid JSON`);
  }

  /** The path of the value a frame is reading now (its current key or next index). */
  private childPath(f: Frame): Path {
    return f.array ? [...f.path, f.value.length] : f.key === null ? f.path : [...f.path, f.key];
  }

  private intern(s: string): string {
    const got = this.strings.get(s);
    if (got !== undefined) return got;
    this.strings.set(s, s);
    return s;
  }

  private internPairs<T extends [string, string]>(list: T[]): void {
    for (const p of list) {
      p[0] = this.intern(p[0]);
      p[1] = this.intern(p[1]);
    }
  }

  private run(final: boolean): void {
    const buf = this.buf;
    const n = buf.length;
    for (;;) {
      if (this.raw) {
        const end = this.scanRaw(final);
        if (end < 0) return;
        const r = this.raw;
        this.raw = null;
        const text = buf.slice(r.start, end);
        this.pos = end;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          const top = this.stack[this.stack.length - 1];
          this.fail(top ? this.childPath(top) : [], `not valid JSON at character ${this.dropped + r.start} (${(e as Error).message})`);
        }
        this.deliver(value);
        continue;
      }
      let c = 0;
      while (this.pos < n && WS((c = buf.charCodeAt(this.pos)))) this.pos++;
      if (this.pos >= n) return;
      if (this.finished) this.syntax(`unexpected ${JSON.stringify(buf[this.pos])} after the end of the top-level object`);
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        if (c !== 0x7b) this.syntax(`expected "{" to open an access-set file, found ${JSON.stringify(buf[this.pos])}`);
        this.pos++;
        this.stack.push({ array: false, role: Role.Root, path: [], value: {}, key: null, state: 0 });
        continue;
      }
      if (!top.array) {
        if (top.state === 0 || top.state === 1) {
          if (c === 0x7d && top.state === 0) {
            this.pos++;
            this.close();
            continue;
          }
          if (c !== 0x22) this.syntax(`expected a key in quotes, found ${JSON.stringify(buf[this.pos])}`);
          const end = this.stringEnd(this.pos + 1);
          if (end < 0) return;
          top.key = JSON.parse(buf.slice(this.pos, end)) as string;
          this.pos = end;
          top.state = 2;
          continue;
        }
        if (top.state === 2) {
          if (c !== 0x3a) this.syntax(`expected ":" after key ${JSON.stringify(top.key)}`);
          this.pos++;
          top.state = 3;
          continue;
        }
        if (top.state === 4) {
          this.pos++;
          if (c === 0x2c) top.state = 1;
          else if (c === 0x7d) this.close();
          else {
            this.pos--;
            this.syntax(`expected "," or "}" after the value of ${JSON.stringify(top.key)}`);
          }
          continue;
        }
      } else {
        if (top.state === 4) {
          this.pos++;
          if (c === 0x2c) top.state = 3;
          else if (c === 0x5d) this.close();
          else {
            this.pos--;
            this.syntax(`expected "," or "]" after element ${top.value.length - 1}`);
          }
          continue;
        }
        if (c === 0x5d && top.state === 0) {
          this.pos++;
          this.close();
          continue;
        }
      }
      // A value: a streamed container, or a value cut out whole.
      const role = this.childRole(top);
      if (role !== null && c === (role === Role.Blocks || role === Role.Txs ? 0x5b : 0x7b)) {
        this.pos++;
        const path = this.childPath(top);
        this.stack.push(
          role === Role.Blocks || role === Role.Txs
            ? { array: true, role, path, value: [], state: 0 }
            : { array: false, role, path, value: {}, key: null, state: 0 },
        );
        continue;
      }
      this.raw = {
        start: this.pos,
        at: this.pos + 1,
        depth: 1,
        inString: c === 0x22,
        kind: c === 0x7b || c === 0x5b ? "container" : c === 0x22 ? "string" : "primitive",
      };
    }
  }

  private childRole(f: Frame): Role | null {
    switch (f.role) {
      case Role.Root:
        return !f.array && f.key === "blocks" ? Role.Blocks : !f.array && f.key === "names" ? Role.Names : null;
      case Role.Blocks:
        return Role.Block;
      case Role.Block:
        return !f.array && f.key === "txs" ? Role.Txs : null;
      case Role.Names:
        return !f.array && (f.key === "accounts" || f.key === "slots") ? Role.NameMap : null;
      default:
        return null;
    }
  }

  /**
   * The index after the closing quote of a string whose body starts at `body`, searching from
   * `from`; -1 if the closing quote is not in the buffer yet.
   */
  private stringEnd(from: number, body = from): number {
    const buf = this.buf;
    let i = from;
    for (;;) {
      const q = buf.indexOf('"', i);
      if (q < 0) return -1;
      let b = q - 1;
      while (b >= body && buf.charCodeAt(b) === 0x5c) b--;
      if ((q - 1 - b) % 2 === 0) return q + 1;
      i = q + 1;
    }
  }

  /** Continues cutting out the current raw value; its end index, or -1 if more text is needed. */
  private scanRaw(final: boolean): number {
    const r = this.raw!;
    const buf = this.buf;
    const n = buf.length;
    if (r.kind === "string") {
      const end = this.stringEnd(r.at, r.start + 1);
      if (end < 0) {
        r.at = Math.max(r.at, n - 1);
        return -1;
      }
      return end;
    }
    if (r.kind === "primitive") {
      let i = r.at;
      while (i < n) {
        const c = buf.charCodeAt(i);
        if (c === 0x2c || c === 0x7d || c === 0x5d || WS(c)) return i;
        i++;
      }
      r.at = i;
      return final ? i : -1;
    }
    let i = r.at;
    let depth = r.depth;
    while (i < n) {
      if (r.inString) {
        const q = buf.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        let b = q - 1;
        while (buf.charCodeAt(b) === 0x5c) b--;
        i = q + 1;
        if ((q - 1 - b) % 2 === 0) r.inString = false;
        continue;
      }
      const c = buf.charCodeAt(i++);
      if (c === 0x22) r.inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) return i;
      }
    }
    // Unfinished: rescan an escape run that may continue in the next chunk from its start.
    if (r.inString) {
      let b = n - 1;
      while (b > r.start && buf.charCodeAt(b) === 0x5c) b--;
      i = b + 1;
    }
    r.at = i;
    r.depth = depth;
    return -1;
  }

  /** A finished value goes to the container reading it. */
  private deliver(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.fail([], "an access-set file must be a JSON object");
    }
    if (top.array) {
      if (top.role === Role.Txs) value = this.checkTx(value, top.path, top.value.length);
      top.value.push(value);
    } else {
      top.value[top.key!] = value;
      if (top.role === Role.Root && (top.key === "version" || top.key === "format")) this.checkVersion(top.value);
    }
    top.state = 4;
  }

  private checkVersion(root: Record<string, unknown>): void {
    if ("format" in root && "version" in root && root.format === FORMAT_NAME && root.version !== FORMAT_VERSION) {
      this.fail(
        ["version"],
        `version ${String(root.version)} is not supported; this build reads version ${FORMAT_VERSION} (re-capture the file with this version of disjoint)`,
      );
    }
  }

  private checkTx(value: unknown, txsPath: Path, index: number): TxAccessT {
    let tx: TxAccessT;
    if (isTxAccess(value)) tx = value;
    else {
      // The schema names the problem (and stays the authority if the fast check was too strict).
      const r = TxAccess.safeParse(value);
      if (!r.success) throw new AccessSetFormatError(this.file, zodProblems(r.error, [...txsPath, index]));
      tx = r.data;
    }
    this.internPairs(tx.storage.reads);
    this.internPairs(tx.storage.writes);
    this.internPairs(tx.accounts.reads);
    this.internPairs(tx.accounts.writes);
    if (tx.from !== null) tx.from = this.intern(tx.from);
    if (tx.to !== null) tx.to = this.intern(tx.to);
    if (tx.function !== undefined) tx.function = this.intern(tx.function);
    this.txCount++;
    return tx;
  }

  private close(): void {
    const f = this.stack.pop()!;
    let value: unknown = f.value;
    if (f.role === Role.Block) {
      const { txs, ...rest } = f.value as Record<string, unknown>;
      if (!Array.isArray(txs))
        this.fail([...f.path, "txs"], txs === undefined ? "missing: every block needs a txs array" : "expected an array of transactions");
      const r = BlockHeader.safeParse(rest);
      if (!r.success) throw new AccessSetFormatError(this.file, zodProblems(r.error, f.path));
      const { blockReads, ...head } = r.data;
      const block: BlockAccessT = { ...head, txs: txs as TxAccessT[] };
      if (blockReads !== undefined) {
        this.internPairs(blockReads);
        block.blockReads = blockReads;
      }
      value = block;
    } else if (f.role === Role.Root) {
      value = this.finishRoot(f.value as Record<string, unknown>);
      this.root = value as Record<string, unknown>;
      this.finished = true;
      return;
    }
    this.deliver(value);
  }

  private finishRoot(root: Record<string, unknown>): AccessSetFileT {
    this.checkVersion(root);
    const { blocks, names, ...rest } = root;
    const problems: { path: string; message: string }[] = [];
    const head = Header.safeParse(rest);
    if (!head.success) problems.push(...zodProblems(head.error, []));
    if (blocks === undefined) problems.push({ path: "blocks", message: "missing: an access-set file needs a blocks array" });
    else if (!Array.isArray(blocks)) problems.push({ path: "blocks", message: "expected an array of blocks" });
    else {
      blocks.forEach((b, i) => {
        // Blocks that were not objects were cut out whole; let the schema name the problem.
        if (typeof b !== "object" || b === null || Array.isArray(b)) {
          const r = BlockAccess.safeParse(b);
          if (!r.success) problems.push(...zodProblems(r.error, ["blocks", i]));
        }
      });
    }
    let checkedNames: z.infer<typeof Names> | undefined;
    if (names !== undefined) {
      const r = Names.safeParse(names);
      if (!r.success) problems.push(...zodProblems(r.error, ["names"]));
      else checkedNames = r.data;
    }
    if (problems.length > 0 || !head.success) throw new AccessSetFormatError(this.file, problems);
    const file: AccessSetFileT = { ...head.data, blocks: blocks as BlockAccessT[] };
    if (checkedNames !== undefined) file.names = checkedNames;
    return file;
  }
}

/** Parses an access-set file from a stream of text chunks. */
export async function parseAccessSetStream(chunks: AsyncIterable<string>, file = "<input>"): Promise<AccessSetFileT> {
  const p = new AccessSetStreamParser(file);
  for await (const c of chunks) p.feed(c);
  return p.end();
}

/** The text of a file (gunzipped when its name ends in .gz), in chunks of about `chunkBytes`. */
export async function* readTextChunks(file: string, chunkBytes = 1 << 20): AsyncGenerator<string> {
  const input = createReadStream(file, { highWaterMark: chunkBytes });
  const gz = file.endsWith(".gz");
  const source = gz ? input.pipe(createGunzip({ chunkSize: 1 << 16 })) : input;
  if (gz) input.on("error", (e) => source.destroy(e));
  const decoder = new StringDecoder("utf8");
  let pending = "";
  try {
    for await (const bytes of source as AsyncIterable<Buffer>) {
      pending += decoder.write(bytes);
      if (pending.length >= chunkBytes) {
        yield pending;
        pending = "";
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT" || err.code === "EACCES" || err.code === "EISDIR")
      throw new InputError(`cannot read access-set file ${file}: ${err.message}`);
    if (gz && typeof err.code === "string" && err.code.startsWith("Z_")) {
      throw new AccessSetFormatError(file, [{ path: "", message: `not valid gzip data (${err.message}); is the file truncated?` }]);
    }
    throw err;
  }
  pending += decoder.end();
  if (pending.length > 0) yield pending;
}

/** Loads an access-set file (.json or .json.gz) of any size by streaming it. */
export async function loadAccessSetFileStreaming(file: string): Promise<AccessSetFileT> {
  return parseAccessSetStream(readTextChunks(file), file);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Validates `data` one transaction at a time and yields its JSON text (what JSON.stringify gives) in pieces. */
export function* accessSetFileText(data: AccessSetFileT, file = "<output>"): Generator<string> {
  const { blocks, names, ...rest } = data as AccessSetFileT & Record<string, unknown>;
  const v = (rest as Record<string, unknown>).version;
  if (rest.format === FORMAT_NAME && v !== FORMAT_VERSION) {
    throw new AccessSetFormatError(file, [
      { path: "version", message: `version ${String(v)} is not supported; this build writes version ${FORMAT_VERSION}` },
    ]);
  }
  const head = Header.safeParse(rest);
  if (!head.success) throw new AccessSetFormatError(file, zodProblems(head.error, []));
  if (!Array.isArray(blocks)) throw new AccessSetFormatError(file, [{ path: "blocks", message: "expected an array of blocks" }]);
  let checkedNames: z.infer<typeof Names> | undefined;
  if (names !== undefined) {
    const r = Names.safeParse(names);
    if (!r.success) throw new AccessSetFormatError(file, zodProblems(r.error, ["names"]));
    checkedNames = r.data;
  }
  // The schema's key order, as JSON.stringify of the validated file gives it.
  const rootText = JSON.stringify({ ...head.data, blocks: [] });
  const cut = rootText.indexOf('"blocks":[]');
  yield rootText.slice(0, cut + '"blocks":['.length);
  for (const [bi, block] of blocks.entries()) {
    if (typeof block !== "object" || block === null)
      throw new AccessSetFormatError(file, [{ path: `blocks.${bi}`, message: "expected a block object" }]);
    const { txs, ...bRest } = block;
    const bh = BlockHeader.safeParse(bRest);
    if (!bh.success) throw new AccessSetFormatError(file, zodProblems(bh.error, ["blocks", bi]));
    if (!Array.isArray(txs))
      throw new AccessSetFormatError(file, [{ path: `blocks.${bi}.txs`, message: "expected an array of transactions" }]);
    const { blockReads, ...bHead } = bh.data;
    const bText = JSON.stringify({ ...bHead, txs: [], ...(blockReads !== undefined ? { blockReads } : {}) });
    const bCut = bText.indexOf('"txs":[]');
    yield (bi > 0 ? "," : "") + bText.slice(0, bCut + '"txs":['.length);
    let batch: string[] = [];
    for (const [ti, tx] of txs.entries()) {
      const r = TxAccess.safeParse(tx);
      if (!r.success) throw new AccessSetFormatError(file, zodProblems(r.error, ["blocks", bi, "txs", ti]));
      batch.push(JSON.stringify(r.data));
      if (batch.length === 1000) {
        yield (ti + 1 > batch.length ? "," : "") + batch.join(",");
        batch = [];
      }
    }
    if (batch.length > 0) yield (txs.length > batch.length ? "," : "") + batch.join(",");
    yield bText.slice(bCut + '"txs":['.length);
  }
  yield "]" + (checkedNames !== undefined ? `,"names":${JSON.stringify(checkedNames)}` : "") + "}";
}

/** Writes an access-set file by streaming (gzipped when the name ends in .gz), through a temporary file and a rename. */
export async function saveAccessSetFileStreaming(file: string, data: AccessSetFileT): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const out = createWriteStream(tmp);
  const gz = file.endsWith(".gz") ? createGzip() : null;
  const sink = gz ?? out;
  let failure: Error | null = null;
  out.on("error", (e) => (failure ??= e));
  gz?.on("error", (e) => (failure ??= e));
  try {
    await once(out, "open");
    if (gz) gz.pipe(out);
    let pending: string[] = [];
    let size = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const ok = sink.write(pending.join(""));
      pending = [];
      size = 0;
      if (!ok) await once(sink, "drain");
    };
    for (const piece of accessSetFileText(data, file)) {
      pending.push(piece);
      size += piece.length;
      if (size >= 1 << 20) await flush();
      if (failure) throw failure;
    }
    await flush();
    sink.end();
    await finished(out);
    if (failure) throw failure;
    await rename(tmp, file);
  } catch (e) {
    gz?.destroy();
    out.destroy();
    await finished(out).catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
