/**
 * Offline re-execution of a mainnet block from its pre-state with @ethereumjs/vm, producing
 * per-transaction access sets and proving fidelity: the sum of the transactions' gas must equal
 * the header's gasUsed and, from Byzantium on, the receipts root must equal the header's.
 */
import { InputError, type ErrorInfo } from "../errors.js";
import { createBlockFromRPC } from "@ethereumjs/block";
import { Common, Mainnet, type StateManagerInterface } from "@ethereumjs/common";
import type { JSONRPCBlock } from "@ethereumjs/block";
import { createVM, runBlock } from "@ethereumjs/vm";
import type { RunBlockResult, VM } from "@ethereumjs/vm";
import { Account, createAddressFromString, hexToBytes, bytesToHex, setLengthLeft, type KZG } from "@ethereumjs/util";
import type { BlockAccess, TxAccess } from "../access/format.js";
import { locationKey } from "../model/location.js";
import { AccessRecorder, type RecordedAccess } from "./recorder.js";
import type { CorpusBlock, PreState } from "./corpus.js";

/** First block whose receipts carry a status code instead of an intermediate state root. */
export const BYZANTIUM_BLOCK = 4_370_000;

/** Raised when a replay does not reproduce the header; names the first diverging transaction. */
export class ReplayMismatchError extends InputError {
  constructor(
    readonly blockNumber: number,
    readonly field: "gasUsed" | "receiptsRoot" | "execution",
    readonly txIndex: number | null,
    message: string,
    info: ErrorInfo = {},
  ) {
    super(message, info);
  }
}

/** What the replay knows from elsewhere (e.g. receipts fetched over RPC) to name a divergence exactly. */
export interface ExpectedReceipt {
  cumulativeGasUsed: number;
  status?: "success" | "reverted";
}

export interface ReplayOptions {
  /** Receipts of the real block; with them a mismatch names the exact first diverging tx. */
  expectedReceipts?: ExpectedReceipt[];
  /** Skip the fidelity checks (never used by the CLI; for diagnosing a broken replay). */
  unchecked?: boolean;
  /**
   * Run on another chain and state than a corpus block's: a Common for the chain (its id signs
   * the transactions), a state manager holding (or fetching) the pre-state, and block hashes
   * for BLOCKHASH. Used to re-execute blocks of a local network (src/capture/reexecute.ts).
   */
  environment?: ReplayEnvironment;
}

export interface ReplayEnvironment {
  common: Common;
  stateManager: StateManagerInterface;
  blockHash(number: number): Promise<string>;
  /** Called once with the VM before the block runs, to attach more instrumentation (e.g. KECCAK256 preimages). */
  instrument?(vm: VM): void;
}

export interface ReplayTxResult {
  index: number;
  gasUsed: number;
  cumulativeGasUsed: number;
  status: "success" | "reverted";
  /** Locations the transaction read that the pre-state did not hold: the likely cause of a divergence. */
  preStateMisses: string[];
}

export interface ReplayResult {
  /** Per-transaction access sets in the access-set format. */
  access: BlockAccess;
  txs: ReplayTxResult[];
  hardfork: string;
  gasUsed: number;
  receiptsRoot: string;
  /** Whether the receipts root was checked (Byzantium and later). */
  receiptsRootChecked: boolean;
  /** Point-evaluation proofs assumed valid (see replayKzg); the fidelity check backs the assumption. */
  kzgProofsAssumed: number;
  /** Wall time of the execution alone (pre-state loading excluded), in milliseconds. */
  executionMs: number;
  /** Wall time including building the VM and loading the pre-state, in milliseconds. */
  totalMs: number;
}

/**
 * KZG for replay. Blocks carry only blobs' versioned hashes, so the only KZG call a replay makes
 * is the point-evaluation precompile (0x0a) verifying a proof. The trusted setup is not shipped,
 * so such a proof is assumed valid (mainnet accepted the block) and counted; the fidelity check
 * (gas and receipts root) catches the case where that assumption is wrong.
 */
function replayKzg(counter: { proofsAssumed: number }): KZG {
  return new Proxy({} as KZG, {
    get(_t, prop) {
      if (prop === "verifyProof") {
        return () => {
          counter.proofsAssumed++;
          return true;
        };
      }
      return () => {
        throw new InputError(`KZG ${String(prop)} was called during replay; blobs are not available offline`);
      };
    },
  });
}

const num = (hex: string) => Number(BigInt(hex));

function storageValue(v: string): Uint8Array {
  const n = BigInt(v);
  return n === 0n ? new Uint8Array() : hexToBytes(`0x${n.toString(16).padStart(2 * Math.ceil(n.toString(16).length / 2), "0")}`);
}

/** Puts a corpus pre-state into a VM; returns its storage locations as location keys (for AccessRecorder). */
export async function loadPreState(vm: Awaited<ReturnType<typeof createVM>>, pre: PreState): Promise<string[]> {
  const sm = vm.stateManager;
  const slots: string[] = [];
  for (const [addrHex, acc] of Object.entries(pre)) {
    const address = createAddressFromString(addrHex);
    const addr = addrHex.toLowerCase();
    await sm.putAccount(address, new Account(BigInt(acc.basic.nonce), BigInt(acc.basic.balance)));
    if (acc.code && acc.code.original_len > 0) {
      const full = hexToBytes(acc.code.bytecode as `0x${string}`);
      if (full.length < acc.code.original_len) {
        throw new InputError(
          `pre-state account ${addrHex}: bytecode is shorter (${full.length}) than original_len (${acc.code.original_len})`,
        );
      }
      await sm.putCode(address, full.subarray(0, acc.code.original_len));
    }
    for (const [slot, value] of Object.entries(acc.storage ?? {})) {
      const key = setLengthLeft(hexToBytes(slot as `0x${string}`), 32);
      slots.push(locationKey(addr, bytesToHex(key)));
      const v = storageValue(value);
      if (v.length > 0) await sm.putStorage(address, key, v);
    }
  }
  return slots;
}

function txSelector(input: string, to: string | null): string | null {
  if (to === null || input.length < 10) return null;
  return input.slice(0, 10).toLowerCase();
}

/** Re-executes a block from its pre-state; throws ReplayMismatchError when the result is not the header's. */
export async function replayBlock(input: CorpusBlock, options: ReplayOptions = {}): Promise<ReplayResult> {
  const t0 = performance.now();
  const rpc = input.block;
  const number = num(rpc.number);
  const timestamp = num(rpc.timestamp);
  const kzgCounter = { proofsAssumed: 0 };
  const env = options.environment;
  const common = env?.common ?? new Common({ chain: Mainnet, customCrypto: { kzg: replayKzg(kzgCounter) } });
  const hardfork = env ? common.hardfork() : common.setHardforkBy({ blockNumber: BigInt(number), timestamp: BigInt(timestamp) });

  const hashes = input.blockHashes;
  const blockchain = {
    async getBlock(n: number) {
      const h = env ? await env.blockHash(n) : hashes[String(n)];
      if (h === undefined) {
        throw new InputError(`block ${number} executes BLOCKHASH(${n}), which block_hashes.json.gz does not hold; add "${n}": hash to it`);
      }
      return { hash: () => hexToBytes(h as `0x${string}`) };
    },
    async putBlock() {},
    shallowCopy() {
      return this;
    },
  };
  const vm = await createVM({ common, blockchain, ...(env ? { stateManager: env.stateManager } : {}) });
  env?.instrument?.(vm);
  const misses = await loadPreState(vm, input.preState);
  const precompiles = Array.from({ length: 0x12 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
  const recorder = new AccessRecorder(vm, Object.keys(input.preState), misses, precompiles);

  let block;
  try {
    block = createBlockFromRPC(rpc as unknown as JSONRPCBlock, [], { common, setHardfork: false });
  } catch (e) {
    throw new InputError(`block ${number}: cannot build the block from its RPC form: ${(e as Error).message}`);
  }

  const recorded: RecordedAccess[] = [];
  let txIndex = 0;
  vm.events.on("beforeTx", (tx) => {
    const i = txIndex;
    const rtx = rpc.transactions[i];
    if (rtx === undefined || rtx.hash.toLowerCase() !== bytesToHex(tx.hash())) {
      throw new InputError(`block ${number}: transaction ${i} is not the one the block lists`);
    }
    recorder.begin(rtx.from.toLowerCase(), rtx.to ? rtx.to.toLowerCase() : null);
  });
  vm.events.on("afterTx", (_event, resolve?: (result?: unknown) => void) => {
    recorder
      .end()
      .then((r) => {
        recorded.push(r);
        txIndex++;
      })
      .finally(() => resolve?.());
  });

  const tExec = performance.now();
  let result: RunBlockResult;
  try {
    result = await runBlock(vm, {
      block,
      skipBlockValidation: true,
      skipHeaderValidation: true,
      skipHardForkValidation: true,
      // generate: the header's stateRoot cannot match a partial pre-state; receipts root and gas are checked below.
      generate: true,
    });
  } catch (e) {
    const at = txIndex < rpc.transactions.length ? txIndex : null;
    const hint =
      at === null
        ? ""
        : missesNote(
            recorded.map((r, i) => ({ index: i, preStateMisses: r.preStateMisses })),
            at,
          );
    throw new ReplayMismatchError(
      number,
      "execution",
      at,
      `block ${number}: replay failed${at === null ? "" : ` at tx ${at} (${rpc.transactions[at].hash})`}: ${(e as Error).message}${hint}`,
    );
  }
  const executionMs = performance.now() - tExec;
  if (recorded.length !== rpc.transactions.length) {
    throw new InputError(`block ${number}: recorded ${recorded.length} transactions, the block has ${rpc.transactions.length}`);
  }

  const txs: ReplayTxResult[] = [];
  let prev = 0n;
  result.receipts.forEach((receipt, i) => {
    const cumulative = receipt.cumulativeBlockGasUsed;
    const exec = result.results[i].execResult;
    txs.push({
      index: i,
      gasUsed: Number(cumulative - prev),
      cumulativeGasUsed: Number(cumulative),
      status: exec.exceptionError === undefined ? "success" : "reverted",
      preStateMisses: recorded[i].preStateMisses,
    });
    prev = cumulative;
  });

  const gasUsed = txs.reduce((s, t) => s + t.gasUsed, 0);
  const receiptsRoot = bytesToHex(result.receiptsRoot);
  // A local chain (environment given) has status receipts from its first block.
  const receiptsRootChecked = env !== undefined || number >= BYZANTIUM_BLOCK;
  if (!options.unchecked) {
    checkFidelity(number, rpc, txs, gasUsed, receiptsRoot, receiptsRootChecked, options.expectedReceipts);
  }

  const access: BlockAccess = {
    number,
    hash: rpc.hash.toLowerCase(),
    coinbase: rpc.miner.toLowerCase(),
    gasUsed,
    timestamp,
    txs: rpc.transactions.map((t, i): TxAccess => {
      const r = recorded[i];
      const to = t.to ? t.to.toLowerCase() : null;
      return {
        index: i,
        hash: t.hash.toLowerCase(),
        from: t.from.toLowerCase(),
        to,
        selector: txSelector(t.input, to),
        gasUsed: txs[i].gasUsed,
        status: txs[i].status,
        storage: r.storage,
        accounts: r.accounts,
      };
    }),
  };
  return {
    access,
    txs,
    hardfork,
    gasUsed,
    receiptsRoot,
    receiptsRootChecked,
    kzgProofsAssumed: kzgCounter.proofsAssumed,
    executionMs,
    totalMs: performance.now() - t0,
  };
}

/**
 * The transactions up to `upTo` that read state the pre-state lacks, the failing one first.
 * Such reads are normal (accounts and slots that did not exist before the block), so they are
 * named as candidates, never as the cause.
 */
function missesNote(txs: { index: number; preStateMisses: string[] }[], upTo: number): string {
  const own = txs[upTo]?.preStateMisses ?? [];
  const show = (m: string[]) => `${m.slice(0, 3).join(", ")}${m.length > 3 ? ", ..." : ""}`;
  if (own.length > 0)
    return `\n  tx ${upTo} itself read state the pre-state does not hold (${show(own)}); the pre-state is probably incomplete there`;
  const earlier = txs.slice(0, upTo).filter((t) => t.preStateMisses.length > 0);
  if (earlier.length === 0) return "";
  return `\n  earlier transactions read state the pre-state does not hold (often accounts or slots that did not exist yet): ${earlier
    .slice(0, 5)
    .map((t) => `tx ${t.index} (${show(t.preStateMisses)})`)
    .join("; ")}`;
}

function checkFidelity(
  number: number,
  rpc: CorpusBlock["block"],
  txs: ReplayTxResult[],
  gasUsed: number,
  receiptsRoot: string,
  receiptsRootChecked: boolean,
  expected: ExpectedReceipt[] | undefined,
): void {
  const headerGas = num(rpc.gasUsed);
  const gasOk = gasUsed === headerGas;
  const rootOk = !receiptsRootChecked || receiptsRoot === rpc.receiptsRoot.toLowerCase();
  if (gasOk && rootOk) return;

  const what = !gasOk
    ? `gas used ${gasUsed} != header gasUsed ${headerGas}`
    : `receipts root ${receiptsRoot} != header receiptsRoot ${rpc.receiptsRoot}`;
  const field = !gasOk ? "gasUsed" : "receiptsRoot";
  // With the real receipts, the first tx whose cumulative gas or status differs is the divergence.
  if (expected !== undefined) {
    for (let i = 0; i < txs.length; i++) {
      const e = expected[i];
      const t = txs[i];
      if (e === undefined) break;
      if (e.cumulativeGasUsed !== t.cumulativeGasUsed || (e.status !== undefined && e.status !== t.status)) {
        throw new ReplayMismatchError(
          number,
          field,
          i,
          `block ${number}: replay diverges at tx ${i} (${rpc.transactions[i].hash}): cumulative gas ${t.cumulativeGasUsed} (real ${e.cumulativeGasUsed}), status ${t.status} (real ${e.status ?? "?"}); ${what}`,
        );
      }
    }
  }
  // Without receipts the header holds only totals: no transaction can be named as the first
  // to diverge. Those that read state the pre-state lacks are listed as candidates only (an
  // absent account or slot is usually one that did not exist before the block).
  const candidates = txs.filter((t) => t.preStateMisses.length > 0);
  const details = candidates
    .slice(0, 10)
    .map(
      (t) =>
        `tx ${t.index} (${rpc.transactions[t.index].hash}) read state the pre-state lacks: ${t.preStateMisses.slice(0, 3).join(", ")}${t.preStateMisses.length > 3 ? ", ..." : ""}`,
    );
  if (candidates.length > 10) details.push(`... and ${candidates.length - 10} more`);
  throw new ReplayMismatchError(
    number,
    field,
    null,
    `block ${number}: replay does not reproduce the header: ${what}; without the block's receipts the first diverging transaction cannot be localized` +
      (candidates.length > 0
        ? ` (${candidates.length} transaction(s) read state outside the pre-state, listed as candidates, not causes)`
        : ""),
    {
      details,
      hint: `save the block's receipts (the answer of eth_getBlockReceipts for block ${number}, from any archive node or provider) as receipts.json.gz in the block's corpus directory, or pass them to replayBlock as expectedReceipts; the replay then names the exact transaction`,
    },
  );
}
