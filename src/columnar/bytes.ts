/**
 * Fixed-width binary values (slots, addresses, transaction hashes) kept in one byte buffer
 * instead of one JS string each, and the string columns of the compact form decoded from it
 * on demand (src/model/block.ts, `StringColumn`): the columnar analyze reader keeps millions of
 * slots and hashes this way and turns into strings only those a report names.
 */
import type { StringColumn } from "../model/block.js";

/** A byte buffer of fixed-width records that grows by doubling. */
export class GrowBytes {
  buf: Buffer;
  constructor(
    readonly stride: number,
    records = 1024,
  ) {
    this.buf = Buffer.alloc(stride * Math.max(1, records));
  }

  /** Makes room for `records` records in all. */
  ensure(records: number): void {
    const need = records * this.stride;
    if (need <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(need, this.buf.length * 2));
    this.buf.copy(b);
    this.buf = b;
  }
}

/**
 * Field `width` bytes at `offset` of each `stride`-byte record, as "0x" + lowercase hex; with
 * `nullBit`, null where the record's first byte has that bit set. With `cache`, each decoded
 * string is kept (for values asked for many times, such as the accounts the dependency rule
 * compares).
 */
export class HexColumn implements StringColumn<string | null> {
  private readonly cache: (string | undefined)[] | null;
  constructor(
    private readonly bytes: Buffer,
    private readonly stride: number,
    private readonly offset: number,
    private readonly width: number,
    readonly length: number,
    private readonly nullBit = 0,
    cache = false,
  ) {
    this.cache = cache ? new Array<string | undefined>(length) : null;
  }

  at(i: number): string | null | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const at = i * this.stride;
    if ((this.bytes[at] & this.nullBit) !== 0) return null;
    let s = this.cache?.[i];
    if (s === undefined) {
      s = "0x" + this.bytes.toString("hex", at + this.offset, at + this.offset + this.width);
      if (this.cache !== null) this.cache[i] = s;
    }
    return s;
  }
}

/** A column of non-null strings: another column's values at `index[i]`. */
export class IndexedColumn implements StringColumn {
  constructor(
    private readonly of: (i: number) => string,
    private readonly index: Int32Array,
    readonly length: number,
  ) {}

  at(i: number): string | undefined {
    return i < 0 || i >= this.length ? undefined : this.of(this.index[i]);
  }
}
