/**
 * Per-transaction access recording on an @ethereumjs/vm instance.
 *
 * What counts (documented in docs/replay.md):
 * - storage reads: every SLOAD (wrapped opcode handler), and every SSTORE whose slot ends the
 *   transaction with the value it started with (a write of an unchanged value is a read);
 * - storage writes: every slot whose value at the end of the transaction differs from its value
 *   at the start (a write undone by a revert is not a write);
 * - account reads: `balance` for BALANCE/SELFBALANCE and the sender, `nonce` for the sender,
 *   `code` for EXTCODESIZE/EXTCODECOPY/EXTCODEHASH, CALL-family targets and the transaction's `to`;
 * - account writes: balance, nonce or code that differ between the start and the end of the
 *   transaction (coinbase included).
 * The state manager's put* methods are wrapped only to learn which locations a transaction
 * touched and their value before the first change; the diff at the end decides what is a write.
 */
import type { VM } from "@ethereumjs/vm";
import type { Address as EthAddress } from "@ethereumjs/util";
import { bytesToHex, equalsBytes, setLengthLeft, bigIntToBytes } from "@ethereumjs/util";
import type { AccountKey, StorageKey } from "../access/format.js";
import { locationKey } from "../model/location.js";

type AccountField = "balance" | "nonce" | "code";

interface AccountSnapshot {
  balance: bigint;
  nonce: bigint;
  codeHash: string;
}

/** Accesses of one transaction, in first-seen order, without duplicates. */
export interface RecordedAccess {
  storage: { reads: StorageKey[]; writes: StorageKey[] };
  accounts: { reads: AccountKey[]; writes: AccountKey[] };
  /** Locations this transaction read that were not in the pre-state (a divergence hint). */
  preStateMisses: string[];
}

const EMPTY_CODE_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

function hexSlot(key: Uint8Array): string {
  return bytesToHex(setLengthLeft(key, 32));
}

function hexAddr(a: EthAddress): string {
  return a.toString().toLowerCase();
}

function wordToAddress(word: bigint): string {
  return bytesToHex(setLengthLeft(bigIntToBytes(word & ((1n << 160n) - 1n)), 20));
}

interface OpEntry {
  opHandler: (runState: RunStateLike, common: unknown) => unknown;
  [k: string]: unknown;
}
interface RunStateLike {
  stack: { peek(n?: number): bigint[] };
  interpreter: { getAddress(): EthAddress };
}

/** Attaches to a VM and records accesses between `beforeTx` and `afterTx`. */
export class AccessRecorder {
  private active = false;
  private storageReads = new Map<string, StorageKey>();
  private accountReads = new Map<string, AccountKey>();
  /** location key -> value before the transaction's first write. */
  private storagePre = new Map<string, { addr: string; slot: string; key: Uint8Array; address: EthAddress; pre: Uint8Array }>();
  private accountPre = new Map<string, { address: EthAddress; pre: AccountSnapshot }>();
  private misses = new Set<string>();
  /** Locations known to the replay: the pre-state plus everything written so far in the block. */
  private known = new Set<string>();
  private knownAccounts = new Set<string>();
  /** Accounts read that the pre-state lacks (reported by every transaction that reads them). */
  private unknownAccounts = new Set<string>();
  private readonly ignoredAccounts: Set<string>;

  constructor(
    private readonly vm: VM,
    preStateAccounts: Iterable<string>,
    preStateSlots: Iterable<string>,
    ignored: Iterable<string>,
    /**
     * Whether what a transaction writes becomes known to later ones (true for a block replay;
     * false for independent calls whose writes are discarded, e.g. eth_call).
     */
    private readonly learnWrites = true,
  ) {
    for (const a of preStateAccounts) this.knownAccounts.add(a.toLowerCase());
    for (const s of preStateSlots) this.known.add(s);
    this.ignoredAccounts = new Set([...ignored].map((a) => a.toLowerCase()));
    this.wrapStateManager();
    this.wrapOpcodes();
  }

  private readAccount(addr: string, field: AccountField): void {
    if (!this.active || this.ignoredAccounts.has(addr)) return;
    const k = locationKey(addr, field);
    if (!this.accountReads.has(k)) this.accountReads.set(k, [addr, field] as AccountKey);
  }

  private readSlot(addr: string, slot: string): void {
    if (!this.active) return;
    const k = locationKey(addr, slot);
    if (!this.storageReads.has(k)) this.storageReads.set(k, [addr, slot] as StorageKey);
    if (!this.known.has(k) && this.knownAccounts.has(addr)) this.misses.add(`storage ${addr} ${slot}`);
  }

  private wrapOpcodes(): void {
    const evm = this.vm.evm as unknown as { _opcodeMap: OpEntry[] };
    const map = evm._opcodeMap;
    if (!Array.isArray(map)) throw new Error("@ethereumjs/evm internals changed: _opcodeMap not found; the access recorder needs updating");
    const wrap = (op: number, before: (rs: RunStateLike) => void) => {
      const entry = map[op];
      if (entry === undefined) return;
      const inner = entry.opHandler;
      map[op] = {
        ...entry,
        opHandler: (rs: RunStateLike, common: unknown) => {
          if (this.active) before(rs);
          return inner(rs, common);
        },
      };
    };
    const self = (rs: RunStateLike) => hexAddr(rs.interpreter.getAddress());
    const top = (rs: RunStateLike) => rs.stack.peek(1)[0];
    // SLOAD
    wrap(0x54, (rs) => this.readSlot(self(rs), bytesToHex(setLengthLeft(bigIntToBytes(top(rs)), 32))));
    // BALANCE, SELFBALANCE
    wrap(0x31, (rs) => this.readAccount(wordToAddress(top(rs)), "balance"));
    wrap(0x47, (rs) => this.readAccount(self(rs), "balance"));
    // EXTCODESIZE, EXTCODECOPY, EXTCODEHASH
    for (const op of [0x3b, 0x3c, 0x3f]) wrap(op, (rs) => this.readAccount(wordToAddress(top(rs)), "code"));
    // CALL, CALLCODE, DELEGATECALL, STATICCALL: the target's code
    for (const op of [0xf1, 0xf2, 0xf4, 0xfa]) wrap(op, (rs) => this.readAccount(wordToAddress(rs.stack.peek(2)[1]), "code"));
  }

  private wrapStateManager(): void {
    const sm = this.vm.stateManager;
    const getAccount = sm.getAccount.bind(sm);
    const getStorage = sm.getStorage.bind(sm);
    const putStorage = sm.putStorage.bind(sm);
    const putAccount = sm.putAccount.bind(sm);
    const deleteAccount = sm.deleteAccount.bind(sm);
    const putCode = sm.putCode.bind(sm);
    const snapshotAccount = async (address: EthAddress): Promise<AccountSnapshot> => {
      const acc = await getAccount(address);
      return acc === undefined
        ? { balance: 0n, nonce: 0n, codeHash: EMPTY_CODE_HASH }
        : { balance: acc.balance, nonce: acc.nonce, codeHash: bytesToHex(acc.codeHash) };
    };
    const touchAccount = async (address: EthAddress) => {
      const addr = hexAddr(address);
      if (this.learnWrites) {
        this.knownAccounts.add(addr);
        this.unknownAccounts.delete(addr);
      }
      if (!this.active || this.accountPre.has(addr)) return;
      this.accountPre.set(addr, { address, pre: await snapshotAccount(address) });
    };
    sm.getAccount = async (address: EthAddress) => {
      if (this.active) {
        const addr = hexAddr(address);
        if (!this.knownAccounts.has(addr)) this.unknownAccounts.add(addr);
        if (this.unknownAccounts.has(addr)) this.misses.add(`account ${addr}`);
      }
      return getAccount(address);
    };
    sm.putAccount = async (address, account) => {
      await touchAccount(address);
      return putAccount(address, account);
    };
    sm.deleteAccount = async (address) => {
      await touchAccount(address);
      return deleteAccount(address);
    };
    sm.putCode = async (address, code) => {
      await touchAccount(address);
      return putCode(address, code);
    };
    sm.putStorage = async (address, key, value) => {
      const addr = hexAddr(address);
      const slot = hexSlot(key);
      const k = locationKey(addr, slot);
      if (this.learnWrites) this.known.add(k);
      if (this.active && !this.storagePre.has(k)) {
        this.storagePre.set(k, { addr, slot, key, address, pre: await getStorage(address, key) });
      }
      return putStorage(address, key, value);
    };
  }

  /** Starts recording a transaction, and returns the reads it makes before any opcode runs. */
  begin(from: string, to: string | null): void {
    this.active = true;
    this.storageReads.clear();
    this.accountReads.clear();
    this.storagePre.clear();
    this.accountPre.clear();
    this.misses.clear();
    this.readAccount(from, "balance");
    this.readAccount(from, "nonce");
    if (to !== null) this.readAccount(to, "code");
  }

  /** Ends the transaction: diffs every touched location against its value at the start. */
  async end(): Promise<RecordedAccess> {
    this.active = false;
    const sm = this.vm.stateManager;
    const storageWrites: StorageKey[] = [];
    for (const [k, { addr, slot, key, address, pre }] of this.storagePre) {
      const post = await sm.getStorage(address, key);
      if (equalsBytes(stripZeros(pre), stripZeros(post))) {
        if (!this.storageReads.has(k)) this.storageReads.set(k, [addr, slot] as StorageKey);
      } else {
        storageWrites.push([addr, slot] as StorageKey);
      }
    }
    const accountWrites: AccountKey[] = [];
    for (const [addr, { address, pre }] of this.accountPre) {
      const acc = await sm.getAccount(address);
      const post =
        acc === undefined
          ? { balance: 0n, nonce: 0n, codeHash: EMPTY_CODE_HASH }
          : { balance: acc.balance, nonce: acc.nonce, codeHash: bytesToHex(acc.codeHash) };
      if (post.balance !== pre.balance) accountWrites.push([addr, "balance"] as AccountKey);
      if (post.nonce !== pre.nonce) accountWrites.push([addr, "nonce"] as AccountKey);
      if (post.codeHash !== pre.codeHash) accountWrites.push([addr, "code"] as AccountKey);
    }
    return {
      storage: { reads: [...this.storageReads.values()], writes: storageWrites },
      accounts: { reads: [...this.accountReads.values()], writes: accountWrites },
      preStateMisses: [...this.misses],
    };
  }
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}
