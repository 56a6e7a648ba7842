/**
 * Storage-slot decoding from the compiler's storageLayout: slot -> `Contract.variable[key].field`.
 *
 * Static variables (value types, structs, static arrays) are located directly. Slots derived
 * by hashing (mapping entries, dynamic-array elements) are recognized from KECCAK256
 * preimages: either observed in a trace (`preimagesFromStructLogs`) or computed for candidate
 * keys (`addCandidateKeys`, e.g. every address a transaction touched). Nested mappings and
 * struct fields resolve recursively. A slot we cannot explain returns null (stays raw).
 */
import { keccak256 } from "ethers";

export interface StorageVar {
  label: string;
  offset: number;
  slot: string;
  type: string;
}
export interface StorageType {
  encoding: "inplace" | "mapping" | "dynamic_array" | "bytes";
  label: string;
  numberOfBytes: string;
  key?: string;
  value?: string;
  base?: string;
  members?: StorageVar[];
}
export interface StorageLayout {
  storage: StorageVar[];
  types: Record<string, StorageType> | null;
}

/** KECCAK256 preimages: hash (0x + 64 hex) -> preimage (0x + hex). */
export type Preimages = Map<string, string>;

const MAX_STRUCT_SLOTS = 256n;
const MAX_STATIC_EXPAND = 1024n;
const TWO256 = 1n << 256n;
const slotHex = (x: bigint) => "0x" + ((x + TWO256) % TWO256).toString(16).padStart(64, "0");

/** Adds the preimage of every KECCAK256 in a default-tracer trace run with enableMemory. */
export function preimagesFromStructLogs(
  structLogs: readonly { op: string; stack?: string[]; memory?: string[] }[],
  into: Preimages = new Map(),
): Preimages {
  for (const log of structLogs) {
    if ((log.op !== "KECCAK256" && log.op !== "SHA3") || !log.stack || !log.memory) continue;
    const st = log.stack;
    const offset = Number(BigInt(st[st.length - 1]));
    const size = Number(BigInt(st[st.length - 2]));
    if (size > 4096) continue;
    const mem = log.memory.map((w) => w.replace(/^0x/, "")).join("");
    const bytes = mem.slice(offset * 2, (offset + size) * 2).padEnd(size * 2, "0");
    const pre = "0x" + bytes;
    into.set(keccak256(pre), pre);
  }
  return into;
}

function formatKey(hex: string, keyType: string): string {
  const h = hex.replace(/^0x/, "");
  if (keyType.startsWith("t_address") || keyType.startsWith("t_contract")) return "0x" + h.slice(-40);
  if (keyType.startsWith("t_uint") || keyType.startsWith("t_enum")) return BigInt("0x" + (h || "0")).toString();
  if (keyType.startsWith("t_int")) {
    const bits = Number(keyType.slice(5)) || 256;
    let v = BigInt("0x" + (h || "0")) & ((1n << BigInt(bits)) - 1n);
    if (v >> BigInt(bits - 1)) v -= 1n << BigInt(bits);
    return v.toString();
  }
  if (keyType === "t_bool") return BigInt("0x" + (h || "0")) === 0n ? "false" : "true";
  if (keyType.startsWith("t_string")) {
    const s = Buffer.from(h, "hex").toString("utf8");
    return JSON.stringify(s);
  }
  return "0x" + h;
}

interface Located {
  name: string;
  type: string;
  start: bigint;
}

export class LayoutDecoder {
  readonly contract: string;
  private readonly types: Record<string, StorageType>;
  /** slot -> names of value-type variables (packed ones share a slot). */
  private readonly staticValues = new Map<bigint, string[]>();
  /** slot -> container (mapping, dynamic array, bytes/string) starting there. */
  private readonly staticContainers = new Map<bigint, Located>();

  constructor(
    contract: string,
    readonly layout: StorageLayout,
  ) {
    this.contract = contract;
    this.types = layout.types ?? {};
    for (const v of layout.storage) this.expand(v.type, BigInt(v.slot), `${contract}.${v.label}`);
  }

  private slotsOf(typeId: string): bigint {
    const t = this.types[typeId];
    if (!t) return 1n;
    return (BigInt(t.numberOfBytes) + 31n) / 32n;
  }

  private expand(typeId: string, start: bigint, name: string): void {
    const t = this.types[typeId];
    if (!t || t.encoding === "mapping" || t.encoding === "dynamic_array" || t.encoding === "bytes") {
      this.staticContainers.set(start, { name, type: typeId, start });
      if (t?.encoding !== "mapping") this.addValue(start, t?.encoding === "dynamic_array" ? `${name}.length` : name);
      return;
    }
    if (t.members) {
      for (const m of t.members) this.expand(m.type, start + BigInt(m.slot), `${name}.${m.label}`);
      return;
    }
    if (t.base) {
      const elemSlots = this.slotsOf(t.base);
      const elemBytes = BigInt(this.types[t.base]?.numberOfBytes ?? "32");
      const total = BigInt(t.numberOfBytes) / 32n;
      if (total > MAX_STATIC_EXPAND) return;
      if (elemBytes <= 16n) {
        const perSlot = 32n / elemBytes;
        for (let s = 0n; s < total; s++) this.addValue(start + s, `${name}[${s * perSlot}..${s * perSlot + perSlot - 1n}]`);
        return;
      }
      for (let i = 0n; i * elemSlots < total; i++) this.expand(t.base, start + i * elemSlots, `${name}[${i}]`);
      return;
    }
    this.addValue(start, name);
  }

  private addValue(slot: bigint, name: string) {
    const list = this.staticValues.get(slot) ?? [];
    list.push(name);
    this.staticValues.set(slot, list);
  }

  /** Within an inplace type at `start`, the location holding `target`: value names or a container. */
  private findIn(typeId: string, start: bigint, name: string, target: bigint): { names?: string[]; container?: Located } | null {
    const t = this.types[typeId];
    if (!t) return target === start ? { names: [name] } : null;
    if (t.encoding !== "inplace") {
      if (target !== start) return null;
      const container = { name, type: typeId, start };
      return { container, names: t.encoding === "mapping" ? [] : [t.encoding === "dynamic_array" ? `${name}.length` : name] };
    }
    if (t.members) {
      const names: string[] = [];
      for (const m of t.members) {
        const ms = start + BigInt(m.slot);
        if (target < ms || target >= ms + this.slotsOf(m.type)) continue;
        const r = this.findIn(m.type, ms, `${name}.${m.label}`, target);
        if (r?.container && r.names?.length === 0) return r;
        if (r?.container) return r;
        if (r?.names) names.push(...r.names);
      }
      return names.length ? { names: [packed(names)] } : null;
    }
    if (t.base) {
      const elemSlots = this.slotsOf(t.base);
      const elemBytes = BigInt(this.types[t.base]?.numberOfBytes ?? "32");
      const d = target - start;
      if (d < 0n || d >= BigInt(t.numberOfBytes) / 32n) return null;
      if (elemBytes <= 16n) {
        const perSlot = 32n / elemBytes;
        return { names: [`${name}[${d * perSlot}..${d * perSlot + perSlot - 1n}]`] };
      }
      const i = d / elemSlots;
      return this.findIn(t.base, start + i * elemSlots, `${name}[${i}]`, target);
    }
    return target === start ? { names: [name] } : null;
  }

  /** The container (mapping, dynamic array, bytes) starting exactly at `slot`. */
  private containerAt(slot: bigint, pre: Preimages, depth: number): Located | null {
    const s = this.staticContainers.get(slot);
    if (s) return s;
    const r = this.derived(slot, pre, depth);
    return r?.container && r.container.start === slot ? r.container : null;
  }

  /** A slot derived by hashing: look for a preimage at slot - d. */
  private derived(slot: bigint, pre: Preimages, depth: number): { names?: string[]; container?: Located } | null {
    if (depth > 8) return null;
    for (let d = 0n; d < MAX_STRUCT_SLOTS && d <= slot; d++) {
      const h = slot - d;
      const p = pre.get(slotHex(h));
      if (p === undefined) continue;
      const bytes = p.slice(2);
      if (bytes.length < 64) continue;
      const base = BigInt("0x" + bytes.slice(-64));
      const parent = this.containerAt(base, pre, depth + 1);
      if (!parent) continue;
      const pt = this.types[parent.type];
      if (!pt) continue;
      if (pt.encoding === "mapping" && pt.value && pt.key) {
        const key = formatKey("0x" + bytes.slice(0, -64), pt.key);
        const r = this.findIn(pt.value, h, `${parent.name}[${key}]`, slot);
        if (r) return r;
      } else if (bytes.length === 64 && pt.encoding === "dynamic_array" && pt.base) {
        const elemSlots = this.slotsOf(pt.base);
        const elemBytes = BigInt(this.types[pt.base]?.numberOfBytes ?? "32");
        if (elemBytes <= 16n) {
          const perSlot = 32n / elemBytes;
          return { names: [`${parent.name}[${d * perSlot}..${d * perSlot + perSlot - 1n}]`] };
        }
        const i = d / elemSlots;
        const r = this.findIn(pt.base, h + i * elemSlots, `${parent.name}[${i}]`, slot);
        if (r) return r;
      } else if (bytes.length === 64 && pt.encoding === "bytes") {
        return { names: [`${parent.name}.data[${d}]`] };
      }
    }
    return null;
  }

  /** `Contract.variable[key].field` for a slot, or null if it cannot be explained. */
  decode(slot: string | bigint, pre: Preimages = new Map()): string | null {
    const s = typeof slot === "bigint" ? slot : BigInt(slot);
    const v = this.staticValues.get(s);
    if (v) return packed(v);
    const r = this.derived(s, pre, 0);
    return r?.names?.length ? packed(r.names) : null;
  }

  /**
   * Adds preimages of mapping entries for candidate keys (e.g. addresses a transaction
   * touched): top-level mappings and mappings nested in them up to `levels` deep, whose key
   * type is an address, contract, or uint.
   */
  addCandidateKeys(keys: readonly string[], pre: Preimages, levels = 2): void {
    const pad = (k: string) => k.replace(/^0x/, "").toLowerCase().padStart(64, "0");
    let frontier: Located[] = [...this.staticContainers.values()].filter((c) => this.types[c.type]?.encoding === "mapping");
    for (let level = 0; level < levels && frontier.length > 0; level++) {
      const next: Located[] = [];
      for (const c of frontier) {
        const t = this.types[c.type];
        if (!t.key || !/^t_(address|contract|uint)/.test(t.key)) continue;
        for (const k of keys) {
          const p = "0x" + pad(k) + c.start.toString(16).padStart(64, "0");
          const h = keccak256(p);
          pre.set(h, p);
          const vt = this.types[t.value!];
          if (vt?.encoding === "mapping") next.push({ name: `${c.name}[]`, type: t.value!, start: BigInt(h) });
        }
      }
      frontier = next;
    }
  }
}

function packed(names: string[]): string {
  if (names.length === 1) return names[0];
  // "C.s.a" + "C.s.b" -> "C.s.{a,b}"
  const prefix = names[0].slice(0, names[0].lastIndexOf(".") + 1);
  if (names.every((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes(".")))
    return `${prefix}{${names.map((n) => n.slice(prefix.length)).join(",")}}`;
  return names.join("|");
}
