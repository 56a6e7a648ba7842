/**
 * Declared access lists: the answer of a suite contract's `declareAccess(sender, data)`
 * turned into the access-set format's `declared` field, and into an EIP-2930 access list.
 */
import { InputError } from "../errors.js";
import type { DeclaredAccess } from "./format.js";

export const MODE_READ = 1;
export const MODE_WRITE = 2;
export const MODE_SNAPSHOT = 4;
/** bytes32(type(uint256).max): the whole account. */
export const ANY_SLOT = "0x" + "f".repeat(64);

/** One entry as IAccessDeclaring returns it. */
export interface DeclaredEntry {
  account: string;
  slot: string;
  mode: number | bigint;
}

const norm = (h: string) => h.toLowerCase();

/** Folds IAccessDeclaring entries into the access-set format's `declared` field. */
export function toDeclaredAccess(entries: readonly DeclaredEntry[]): DeclaredAccess {
  const reads = new Map<string, [string, string]>();
  const writes = new Map<string, [string, string]>();
  const snapshots = new Map<string, [string, string]>();
  for (const e of entries) {
    const account = norm(e.account);
    const slot = norm(e.slot) === ANY_SLOT ? "*" : norm(e.slot);
    const mode = Number(e.mode);
    if (mode === 0 || mode > 7) throw new InputError(`declared access ${account}:${slot} has invalid mode ${mode}`);
    const key = `${account}:${slot}`;
    if (mode & MODE_WRITE) writes.set(key, [account, slot]);
    else if (mode & MODE_READ) reads.set(key, [account, slot]);
    if (mode & MODE_SNAPSHOT) {
      if (slot === "*") throw new InputError(`declared snapshot ${account} must name a slot, not the whole account`);
      snapshots.set(key, [account, slot]);
    }
  }
  for (const key of writes.keys()) reads.delete(key);
  const declared: DeclaredAccess = { reads: [...reads.values()], writes: [...writes.values()] };
  if (snapshots.size > 0) declared.snapshots = [...snapshots.values()];
  return declared;
}

/** An EIP-2930 access list: every declared slot; whole-account entries list the address alone. */
export function toEip2930(entries: readonly DeclaredEntry[]): { address: string; storageKeys: string[] }[] {
  const byAccount = new Map<string, Set<string>>();
  for (const e of entries) {
    const account = norm(e.account);
    const keys = byAccount.get(account) ?? new Set<string>();
    if (norm(e.slot) !== ANY_SLOT) keys.add(norm(e.slot));
    byAccount.set(account, keys);
  }
  return [...byAccount].map(([address, keys]) => ({ address, storageKeys: [...keys].sort() }));
}
