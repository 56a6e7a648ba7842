/**
 * The sample workload: a Counter (one shared slot, one slot per sender) and an ERC-20 mock,
 * until the product workloads (src/workload/) exist. Pure: takes deployed addresses and
 * sender accounts, returns transaction requests.
 */
import { Interface } from "ethers";
import type { TxRequest } from "./rpc.js";

const COUNTER = new Interface(["function increment()", "function bump()"]);
const ERC20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)", "function mint(address to, uint256 amount)"]);

export interface SampleWorkloadTargets {
  counter: string;
  token: string;
  /** Accounts that send transactions; each holds tokens (see sampleMints). */
  senders: readonly string[];
}

/** Mints that fund every sender with tokens before the workload runs. */
export function sampleMints(t: SampleWorkloadTargets, amount = 10n ** 24n): TxRequest[] {
  return t.senders.map((s) => ({ from: s, to: t.token, data: ERC20.encodeFunctionData("mint", [s, amount]) }));
}

/**
 * `count` transactions cycling through: Counter.increment (shared slot: a chain of WW),
 * Counter.bump (per-sender slot: disjoint unless a sender repeats), ERC20 transfer to the next
 * sender (conflicts when balances meet).
 */
export function sampleWorkload(t: SampleWorkloadTargets, count: number): TxRequest[] {
  const out: TxRequest[] = [];
  const n = t.senders.length;
  for (let i = 0; i < count; i++) {
    const from = t.senders[i % n];
    switch (i % 3) {
      case 0:
        out.push({ from, to: t.counter, data: COUNTER.encodeFunctionData("increment"), gas: 100_000n });
        break;
      case 1:
        out.push({ from, to: t.counter, data: COUNTER.encodeFunctionData("bump"), gas: 100_000n });
        break;
      default:
        out.push({ from, to: t.token, data: ERC20.encodeFunctionData("transfer", [t.senders[(i + 1) % n], 1000n]), gas: 100_000n });
    }
  }
  return out;
}
