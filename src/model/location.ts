/**
 * The one location type of disjoint: a storage slot or an account field of one account, and
 * its one string key, "0x<address>:<slot or field>" (the format of `names.slots` keys).
 */
import type { AccountField, Address, Slot } from "../access/format.js";

/** A storage slot ("0x" + 64 hex) or an account field ("balance" | "nonce" | "code"). */
export type Field = Slot | AccountField;

export interface Location {
  account: Address;
  field: Field;
}

/** The key of a location: "0xaddr:0xslot" or "0xaddr:balance". */
export function locationKey(account: string, field: string): string {
  return `${account}:${field}`;
}

/** True for an account field (balance, nonce, code), false for a storage slot. */
export function isAccountField(field: string): boolean {
  return !field.startsWith("0x");
}

/** The field part of a location key. */
export function fieldOfKey(key: string): string {
  return key.slice(key.indexOf(":") + 1);
}
