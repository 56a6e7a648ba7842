/**
 * An @ethereumjs state manager that reads the state before a block lazily from a JSON-RPC
 * node (an in-process Hardhat network, or any node with eth_getStorageAt at old blocks).
 * Re-executing a block on it gives every transaction's accesses in one pass, where
 * debug_traceTransaction re-runs the block's prefix for each transaction (quadratic).
 */
import { SimpleStateManager } from "@ethereumjs/statemanager";
import { Account, bytesToHex, hexToBytes, setLengthLeft, type Address as EthAddress } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Eip1193 } from "../util/eip1193.js";

type Stack<V> = Map<string, V>[];

/** Counts of what was fetched, for progress and benchmarks. */
export interface LazyStateStats {
  accounts: number;
  slots: number;
}

/** An account as first seen by a transaction: its state before the transaction changed it. */
export interface TouchedAccount {
  balance: bigint;
  nonce: bigint;
  /** Whether the account had code. */
  hasCode: boolean;
}

const copyAccount = (a: Account | undefined) =>
  a === undefined ? undefined : new Account(a._nonce, a._balance, a._storageRoot, a._codeHash, a._codeSize, a._version);

const KECCAK_EMPTY = bytesToHex(keccak_256(new Uint8Array()));

export class LazyRpcStateManager extends SimpleStateManager {
  readonly stats: LazyStateStats = { accounts: 0, slots: 0 };
  /**
   * When set, every account the EVM looks up or changes is added (lowercase address) with
   * its state at the first look-up; the caller resets it between transactions.
   */
  touched: Map<string, TouchedAccount> | null = null;
  private readonly tag: string;

  /** @param blockTag The block whose post-state is the pre-state to replay on (hex number). */
  constructor(
    private readonly node: Eip1193,
    blockTag: number,
  ) {
    super();
    this.tag = "0x" + blockTag.toString(16);
  }

  /** Puts a fetched pre-state value under every checkpoint level, as if it had always been there. */
  private seed<V>(stack: Stack<V>, key: string, value: V): void {
    for (const level of stack) if (!level.has(key)) level.set(key, value);
  }

  private get stacks() {
    const self = this as unknown as {
      accountStack: Stack<Account | undefined>;
      codeStack: Stack<Uint8Array>;
      storageStack: Stack<Uint8Array>;
    };
    return self;
  }

  private async fetchAccount(address: EthAddress): Promise<void> {
    const a = address.toString();
    const [balance, nonce, code] = (await Promise.all([
      this.node.request({ method: "eth_getBalance", params: [a, this.tag] }),
      this.node.request({ method: "eth_getTransactionCount", params: [a, this.tag] }),
      this.node.request({ method: "eth_getCode", params: [a, this.tag] }),
    ])) as [string, string, string];
    this.stats.accounts++;
    const codeBytes = hexToBytes(code as `0x${string}`);
    const empty = BigInt(balance) === 0n && BigInt(nonce) === 0n && codeBytes.length === 0;
    const account = empty
      ? undefined
      : new Account(BigInt(nonce), BigInt(balance), undefined, codeBytes.length > 0 ? keccak_256(codeBytes) : undefined);
    this.seed(this.stacks.accountStack, address.toString(), account);
    this.seed(this.stacks.codeStack, address.toString(), codeBytes);
  }

  private async touch(address: EthAddress): Promise<void> {
    if (!this.topAccountStack().has(address.toString())) await this.fetchAccount(address);
    const log = this.touched;
    if (log === null) return;
    const a = address.toString().toLowerCase();
    if (log.has(a)) return;
    const acc = await super.getAccount(address);
    log.set(a, {
      balance: acc?.balance ?? 0n,
      nonce: acc?.nonce ?? 0n,
      hasCode: acc !== undefined && bytesToHex(acc.codeHash) !== KECCAK_EMPTY,
    });
  }

  /**
   * SimpleStateManager hands out the stored Account object itself, and the VM changes accounts
   * in place (runTx debits the sender on the object it read): that would change every
   * checkpoint level at once, so a revert could not undo it and a before/after diff would see
   * no change. Accounts are copied in and out here.
   */
  override async getAccount(address: EthAddress): Promise<Account | undefined> {
    await this.touch(address);
    return copyAccount(await super.getAccount(address));
  }

  override async putAccount(address: EthAddress, account?: Account): Promise<void> {
    await this.touch(address);
    return super.putAccount(address, copyAccount(account));
  }

  override async deleteAccount(address: EthAddress): Promise<void> {
    await this.touch(address);
    return super.deleteAccount(address);
  }

  override async getCode(address: EthAddress): Promise<Uint8Array> {
    await this.touch(address);
    return super.getCode(address);
  }

  override async getStorage(address: EthAddress, key: Uint8Array): Promise<Uint8Array> {
    const k = `${address.toString()}_${bytesToHex(key)}`;
    if (!this.topStorageStack().has(k)) {
      const value = (await this.node.request({
        method: "eth_getStorageAt",
        params: [address.toString(), bytesToHex(setLengthLeft(key, 32)), this.tag],
      })) as string;
      this.stats.slots++;
      // ethereumjs keeps storage values without leading zeros.
      const bytes = hexToBytes(value as `0x${string}`);
      let i = 0;
      while (i < bytes.length && bytes[i] === 0) i++;
      this.seed(this.stacks.storageStack, k, bytes.subarray(i));
    }
    return super.getStorage(address, key);
  }

  /**
   * A lazily fetched state has no root. runBlock asks for one to fill in the header it
   * generates; the capture never compares it (gas and the receipts root are compared).
   */
  override async getStateRoot(): Promise<Uint8Array> {
    return new Uint8Array(32);
  }

  override async setStateRoot(): Promise<void> {
    throw new Error("LazyRpcStateManager follows one block's pre-state and cannot move to another root");
  }

  override async hasStateRoot(): Promise<boolean> {
    return false;
  }

  override shallowCopy(): SimpleStateManager {
    throw new Error("LazyRpcStateManager cannot be copied; re-create it for another block");
  }
}
