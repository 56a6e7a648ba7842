/**
 * The state of one `conflicts capture tests` run, shared by the task (which starts and ends
 * it) and the network hook (which reads every block the tests mine on an in-process network,
 * right after it is mined: a test's evm_revert would take it away).
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { Eip1193 } from "../src/util/eip1193.js";
import { MinedBlockCapture, type MinedCaptureOptions } from "../src/capture/mined.js";

/** Requests after which a block may have been mined. */
const MINING = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "hardhat_mine"]);
/** Requests that move the chain back (or elsewhere): the next block number is no longer "after the last one read". */
const REWIND = new Set(["evm_revert", "hardhat_reset"]);

export class TestCaptureSession {
  readonly capture: MinedBlockCapture;
  /** Networks the tests connected to that are not in-process: nothing is captured there. */
  readonly skippedNetworks = new Map<string, string>();
  /** Per connection: the last block read (or known to hold nothing to read). */
  private readonly last = new Map<number, number>();
  /** The first error met while reading a block; the task reports it instead of writing a file. */
  failure: Error | undefined;

  constructor(opts: MinedCaptureOptions) {
    this.capture = new MinedBlockCapture(opts);
  }

  /** Called by the network hook for every new connection: one to a network that is not in-process is noted (and not captured). */
  noteConnection(conn: NetworkConnection): void {
    if (conn.networkConfig.type !== "edr-simulated") this.skippedNetworks.set(conn.networkName, conn.networkConfig.type);
  }

  /** Reads run one at a time: tests may send transactions concurrently, and each block must be read once. */
  private queue: Promise<void> = Promise.resolve();

  /** Called by the network hook after every request of a connection; `node` bypasses the hook. */
  async afterRequest(conn: NetworkConnection, method: string, node: Eip1193): Promise<void> {
    if (!MINING.has(method) && !REWIND.has(method)) return;
    // A failure is kept for the task to report; the test's own request is not failed by it.
    this.queue = this.queue
      .then(() => this.step(conn, method, node))
      .catch((e: Error) => {
        this.failure ??= e;
      });
    return this.queue;
  }

  private async step(conn: NetworkConnection, method: string, node: Eip1193): Promise<void> {
    const config = conn.networkConfig;
    if (config.type !== "edr-simulated") return;
    const head = Number(BigInt((await node.request({ method: "eth_blockNumber", params: [] })) as string));
    if (REWIND.has(method)) {
      this.last.set(conn.id, head);
      return;
    }
    // Blocks before the first transaction of a connection are its genesis (and empty blocks).
    const last = this.last.get(conn.id) ?? head - 1;
    if (head <= last) return;
    // hardhat_mine(n) puts pending transactions in its first block only; the rest are empty
    // (and may be millions, for time travel), so only that one is read.
    const upto = method === "hardhat_mine" ? last + 1 : head;
    this.last.set(conn.id, head);
    for (let n = last + 1; n <= upto; n++) await this.capture.capture(node, n, config.hardfork);
  }
}

let active: TestCaptureSession | undefined;

export function startTestCapture(opts: MinedCaptureOptions): TestCaptureSession {
  if (active) throw new Error("a `conflicts capture tests` run is already in progress in this process");
  active = new TestCaptureSession(opts);
  return active;
}

export function activeTestCapture(): TestCaptureSession | undefined {
  return active;
}

export function endTestCapture(): void {
  active = undefined;
}
