/**
 * One call from calldata to an EIP-2930 access list: `eth_call` the target's
 * `declareAccess(sender, data)` (IAccessDeclaring) and convert the answer with declared.ts.
 * Works with any client that has an ethers-style `call({ to, data, from?, blockTag? })`
 * (an ethers v6 Provider or Signer); no Hardhat import.
 */
import { NodeError } from "../errors.js";
import { Interface } from "ethers";
import { toDeclaredAccess, toEip2930, type DeclaredEntry } from "./declared.js";
import type { DeclaredAccess } from "./format.js";

/** The part of an ethers Provider this module needs. */
export interface EthCaller {
  call(tx: { to: string; data: string; blockTag?: string | number }): Promise<string>;
}

const DECLARING = new Interface([
  "function declareAccess(address sender, bytes data) view returns ((address account, bytes32 slot, uint8 mode)[])",
]);

/** The raw IAccessDeclaring entries for `data` sent by `sender` to `target`. */
export async function fetchDeclaredEntries(
  caller: EthCaller,
  target: string,
  sender: string,
  data: string,
  blockTag: string | number = "latest",
): Promise<DeclaredEntry[]> {
  const selector = data.slice(0, 10);
  let raw: string;
  try {
    raw = await caller.call({ to: target, data: DECLARING.encodeFunctionData("declareAccess", [sender, data]), blockTag });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new NodeError(
      `declareAccess on ${target} for selector ${selector} failed: ${reason}. ` +
        `Check that the target implements IAccessDeclaring and that the call itself would succeed.`,
    );
  }
  const [entries] = DECLARING.decodeFunctionResult("declareAccess", raw) as unknown as [{ account: string; slot: string; mode: bigint }[]];
  return entries.map((e) => ({ account: e.account, slot: e.slot, mode: e.mode }));
}

/** The EIP-2930 access list for `data` sent by `sender` to `target`, in one call. */
export async function declaredAccessList(
  caller: EthCaller,
  target: string,
  sender: string,
  data: string,
  blockTag: string | number = "latest",
): Promise<{ address: string; storageKeys: string[] }[]> {
  return toEip2930(await fetchDeclaredEntries(caller, target, sender, data, blockTag));
}

/** The access-set format's `declared` field for `data` sent by `sender` to `target`. */
export async function declaredAccessSet(
  caller: EthCaller,
  target: string,
  sender: string,
  data: string,
  blockTag: string | number = "latest",
): Promise<DeclaredAccess> {
  return toDeclaredAccess(await fetchDeclaredEntries(caller, target, sender, data, blockTag));
}
