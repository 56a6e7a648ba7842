/**
 * Compiler artifacts -> deployed contracts. Reads solc standard-JSON outputs
 * (artifacts/build-info/*.output.json: output.contracts[source][name]), maps deployed
 * addresses to contracts by runtime bytecode (CBOR metadata stripped, immutables masked) or by
 * a user-given address book, and names slots and functions.
 */
import { InputError } from "../errors.js";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Names } from "../access/format.js";
import type { Eip1193 } from "../util/eip1193.js";
import { LayoutDecoder, type Preimages, type StorageLayout } from "./layout.js";

export interface ArtifactContract {
  source: string;
  name: string;
  layout: StorageLayout | null;
  /** Runtime bytecode, lowercase hex without 0x, metadata stripped. */
  runtime: string;
  /** [start, length] byte ranges of immutables in the runtime code. */
  immutables: [number, number][];
  /** "0x12345678" -> "transfer(address,uint256)". */
  selectors: Map<string, string>;
}

/** Drops the CBOR metadata trailer (its length is in the last two bytes). */
export function stripMetadata(hex: string): string {
  const h = hex.replace(/^0x/, "").toLowerCase();
  if (h.length < 4) return h;
  const len = parseInt(h.slice(-4), 16);
  const cut = h.length - (len + 2) * 2;
  // CBOR maps start with 0xa1..0xa5: only strip what looks like metadata.
  if (cut > 0 && /^a[1-5]$/.test(h.slice(cut, cut + 2))) return h.slice(0, cut);
  return h;
}

/** The parts of solc's output for one contract that this module reads (all optional: a build may omit them). */
interface SolcContractOutput {
  evm?: {
    deployedBytecode?: { object?: string; immutableReferences?: Record<string, { start: number; length: number }[]> };
    methodIdentifiers?: Record<string, string>;
  };
  storageLayout?: StorageLayout;
}

/** Loads every contract with runtime code from the build-info outputs in `dir`. */
export async function loadBuildInfoContracts(dir: string): Promise<ArtifactContract[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".output.json"));
  } catch (e) {
    throw new InputError(`cannot read build-info directory ${dir}: ${(e as Error).message} (run \`npx hardhat build\` first)`);
  }
  const out: ArtifactContract[] = [];
  for (const f of files) {
    const json = JSON.parse(await readFile(join(dir, f), "utf8")) as {
      output?: { contracts?: Record<string, Record<string, SolcContractOutput>> };
    };
    for (const [source, contracts] of Object.entries(json.output?.contracts ?? {})) {
      for (const [name, c] of Object.entries(contracts)) {
        const obj: string | undefined = c?.evm?.deployedBytecode?.object;
        if (!obj) continue;
        const immutables: [number, number][] = [];
        for (const refs of Object.values(c.evm?.deployedBytecode?.immutableReferences ?? {}))
          for (const r of refs) immutables.push([r.start, r.length]);
        const selectors = new Map<string, string>();
        for (const [sig, sel] of Object.entries(c.evm?.methodIdentifiers ?? {})) selectors.set(`0x${sel}`, sig);
        out.push({
          source,
          name,
          layout: c.storageLayout?.storage ? c.storageLayout : null,
          runtime: stripMetadata(obj),
          immutables,
          selectors,
        });
      }
    }
  }
  return out;
}

/** The artifact whose runtime code equals `code`, ignoring metadata and immutables. */
export function matchRuntimeCode(code: string, contracts: readonly ArtifactContract[]): ArtifactContract | undefined {
  const actual = stripMetadata(code);
  if (actual.length === 0) return undefined;
  for (const c of contracts) {
    if (c.runtime.length !== actual.length) continue;
    let masked = actual;
    if (c.immutables.length > 0) {
      const chars = actual.split("");
      for (const [start, len] of c.immutables) for (let i = start * 2; i < (start + len) * 2; i++) chars[i] = "0";
      masked = chars.join("");
    }
    if (masked === c.runtime) return c;
  }
  return undefined;
}

/** Deployed contracts known by address; decodes slots and function names. */
export class ContractBook {
  private readonly byAddress = new Map<string, { contract: ArtifactContract; label: string; decoder: LayoutDecoder | null }>();
  private readonly byName = new Map<string, ArtifactContract>();

  constructor(readonly contracts: readonly ArtifactContract[]) {
    for (const c of contracts) {
      this.byName.set(c.name, c);
      this.byName.set(`${c.source}:${c.name}`, c);
    }
  }

  /** Registers `address` as an instance of `contract` (a name or "source:Name"); label defaults to the name. */
  add(address: string, contract: string | ArtifactContract, label?: string): void {
    const c = typeof contract === "string" ? this.byName.get(contract) : contract;
    if (!c)
      throw new InputError(
        `address book: no compiled contract named ${String(contract)} (known: ${[...new Set(this.contracts.map((x) => x.name))].join(", ")})`,
      );
    const name = label ?? c.name;
    this.byAddress.set(address.toLowerCase(), { contract: c, label: name, decoder: c.layout ? new LayoutDecoder(name, c.layout) : null });
  }

  has(address: string): boolean {
    return this.byAddress.has(address.toLowerCase());
  }

  /** Identifies unknown addresses by their runtime code (eth_getCode). Two instances of a contract get "Name#2". */
  async identify(provider: Eip1193, addresses: Iterable<string>): Promise<void> {
    const counts = new Map<string, number>();
    for (const { label } of this.byAddress.values()) counts.set(label.replace(/#\d+$/, ""), (counts.get(label) ?? 0) + 1);
    for (const a0 of addresses) {
      const a = a0.toLowerCase();
      if (this.byAddress.has(a)) continue;
      const code = (await provider.request({ method: "eth_getCode", params: [a, "latest"] })) as string;
      const c = matchRuntimeCode(code, this.contracts);
      if (!c) continue;
      const n = (counts.get(c.name) ?? 0) + 1;
      counts.set(c.name, n);
      this.add(a, c, n === 1 ? c.name : `${c.name}#${n}`);
    }
  }

  label(address: string): string | undefined {
    return this.byAddress.get(address.toLowerCase())?.label;
  }

  /** "Counter.increment" for a call, if the target and selector are known. */
  functionName(to: string | null, selector: string | null): string | undefined {
    if (!to || !selector) return undefined;
    const e = this.byAddress.get(to.toLowerCase());
    const sig = e?.contract.selectors.get(selector);
    return e && sig ? `${e.label}.${sig.slice(0, sig.indexOf("("))}` : undefined;
  }

  decodeSlot(address: string, slot: string, pre: Preimages): string | null {
    return this.byAddress.get(address.toLowerCase())?.decoder?.decode(slot, pre) ?? null;
  }

  /** See LayoutDecoder.addCandidateKeys; `levels` 1 keeps thousands of keys cheap (no key pairs). */
  addCandidateKeys(keys: readonly string[], pre: Preimages, levels = 2): void {
    for (const e of this.byAddress.values()) e.decoder?.addCandidateKeys(keys, pre, levels);
  }

  /** Names for every known account and every decodable slot among `slots`. */
  names(slots: Iterable<[string, string]>, pre: Preimages): Names {
    const accounts: Record<string, string> = {};
    for (const [a, e] of this.byAddress) accounts[a] = e.label;
    const named: Record<string, string> = {};
    for (const [a, s] of slots) {
      const n = this.decodeSlot(a, s, pre);
      if (n) named[`${a}:${s}`] = n;
    }
    return { accounts, slots: named };
  }
}

/** Parses an address book JSON: { "0xaddr": "ContractName" | { "contract": "Name", "label": "Pool A" } }. */
export function applyAddressBook(book: ContractBook, json: unknown, file = "<address book>"): void {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new InputError(`${file}: expected an object mapping addresses to contract names`);
  for (const [address, v] of Object.entries(json)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new InputError(`${file}: key ${address} is not an address`);
    if (typeof v === "string") book.add(address, v);
    else if (typeof v === "object" && v !== null && typeof (v as { contract?: unknown }).contract === "string") {
      const { contract, label } = v as { contract: string; label?: unknown };
      book.add(address, contract, typeof label === "string" ? label : undefined);
    } else throw new InputError(`${file}: at ${address}: expected a contract name or { contract, label }`);
  }
}
