/**
 * eth_call over a recording: executes a call with @ethereumjs/vm on the recorded state (the
 * pre-state of block N, i.e. the state after the fork block N-1) in the fork block's context,
 * and reports every account or storage slot the call read that the recording does not hold,
 * so that the recorded-state server can refuse the call instead of answering with invented
 * zeros. Writes the call makes are discarded.
 */
import { createBlock } from "@ethereumjs/block";
import { Common, Mainnet } from "@ethereumjs/common";
import { createVM } from "@ethereumjs/vm";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { AccessRecorder } from "./recorder.js";
import { loadPreState } from "./replay.js";
import type { Recording } from "./corpus.js";

export interface CallRequest {
  from?: string;
  to?: string;
  data?: string;
  input?: string;
  value?: string;
  gas?: string;
}

export interface CallOutcome {
  /** Return data (or revert data when `reverted`). */
  returnData: string;
  reverted: boolean;
  /** Locations read that the recording lacks, e.g. "storage 0xabc… 0x…05" or "account 0xdef…". */
  misses: string[];
}

const ZERO = "0x0000000000000000000000000000000000000000";
const PRECOMPILES = Array.from({ length: 0x12 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
const CALL_GAS = 50_000_000n;

/** A caller bound to one recording; the VM and its state are built on the first call. */
export function recordedCaller(recording: Recording, isAssumedEmpty: (location: string) => boolean) {
  let ready: Promise<{ run: (req: CallRequest) => Promise<CallOutcome> }> | undefined;
  const build = async () => {
    const fb = recording.forkBlock;
    const number = BigInt(fb.number);
    const timestamp = BigInt(fb.timestamp);
    const common = new Common({ chain: Mainnet });
    common.setHardforkBy({ blockNumber: number, timestamp });
    const vm = await createVM({ common });
    const slots = await loadPreState(vm, recording.state);
    const recorder = new AccessRecorder(vm, Object.keys(recording.state), slots, PRECOMPILES, false);
    const header: Record<string, unknown> = {
      number,
      timestamp,
      gasLimit: BigInt(String(fb.gasLimit)),
      coinbase: createAddressFromString(fb.miner),
      difficulty: BigInt(typeof fb.difficulty === "string" ? fb.difficulty : "0x0"),
    };
    if (typeof fb.baseFeePerGas === "string") header.baseFeePerGas = BigInt(fb.baseFeePerGas);
    if (typeof fb.mixHash === "string") header.mixHash = hexToBytes(fb.mixHash as `0x${string}`);
    if (typeof fb.excessBlobGas === "string") header.excessBlobGas = BigInt(fb.excessBlobGas);
    const block = createBlock({ header }, { common, skipConsensusFormatValidation: true });
    let queue: Promise<unknown> = Promise.resolve();
    const runOne = async (req: CallRequest): Promise<CallOutcome> => {
      const from = (req.from ?? ZERO).toLowerCase();
      const to = req.to?.toLowerCase();
      const data = req.data ?? req.input ?? "0x";
      await vm.evm.journal.checkpoint();
      recorder.begin(from, to ?? null);
      try {
        const res = await vm.evm.runCall({
          caller: createAddressFromString(from),
          origin: createAddressFromString(from),
          ...(to !== undefined ? { to: createAddressFromString(to) } : {}),
          data: hexToBytes(data as `0x${string}`),
          value: BigInt(req.value ?? "0x0"),
          gasLimit: req.gas !== undefined ? BigInt(req.gas) : CALL_GAS,
          block,
          skipBalance: true,
        });
        const access = await recorder.end();
        const misses = access.preStateMisses.filter((m) => m !== `account ${from}` && !isAssumedEmpty(m));
        return { returnData: bytesToHex(res.execResult.returnValue), reverted: res.execResult.exceptionError !== undefined, misses };
      } finally {
        await vm.evm.journal.revert();
      }
    };
    // One call at a time: the recorder and the journal are shared.
    return {
      run: (req: CallRequest) => {
        const p = queue.then(() => runOne(req));
        queue = p.catch(() => undefined);
        return p;
      },
    };
  };
  return async (req: CallRequest): Promise<CallOutcome> => {
    ready ??= build();
    return (await ready).run(req);
  };
}
