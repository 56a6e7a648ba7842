/**
 * The little a workload needs from a node: an EIP-1193 `request`, impersonation, and sending
 * many transactions into one block. Plain ethers and JSON-RPC, no Hardhat import.
 */
import { InputError } from "../errors.js";
import { Wallet, keccak256, toUtf8Bytes, type InterfaceAbi } from "ethers";
import type { Eip1193 } from "../util/eip1193.js";

export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

/** One transaction of a workload: who sends what to whom, and what it is, for reports. */
export interface TxRequest {
  from: string;
  to: string;
  data: string;
  /** "System.function", e.g. "UniswapV2Router02.swapExactTokensForTokens". */
  label: string;
  gas?: bigint;
}

const wallets = new Map<number, Wallet>();
const signers = new Map<string, Wallet>();

/**
 * Deterministic users with real keys (the key is keccak256 of "disjoint-user-<index>"), so
 * their transactions are properly signed and a block of them can be re-executed elsewhere.
 * Test keys only: anyone can derive them.
 */
export function userWallet(index: number): Wallet {
  let w = wallets.get(index);
  if (!w) {
    w = new Wallet(keccak256(toUtf8Bytes(`disjoint-user-${index}`)));
    wallets.set(index, w);
    signers.set(w.address.toLowerCase(), w);
  }
  return w;
}

export function userAddress(index: number): string {
  return userWallet(index).address;
}

/**
 * A helper account of a driver (a keeper, a seed lender): keyed by `name`, registered so that
 * sendAsOneBlock can sign for it. Never one of the workload's users.
 */
export function helperWallet(name: string): Wallet {
  const w = new Wallet(keccak256(toUtf8Bytes(`disjoint-helper-${name}`)));
  signers.set(w.address.toLowerCase(), w);
  return w;
}

/** A helper wallet whose address is `shard` modulo `shards` (for per-shard seeding). */
export function helperWalletInShard(name: string, shard: number, shards: number): Wallet {
  for (let i = 0; ; i++) {
    const w = helperWallet(`${name}-${i}`);
    if (BigInt(w.address) % BigInt(shards) === BigInt(shard)) return w;
  }
}

/** Lets sendAsOneBlock sign for an address: every user, and any other wallet registered here. */
export function registerSigner(wallet: Wallet): void {
  signers.set(wallet.address.toLowerCase(), wallet);
}

const ONE_THOUSAND_ETH = "0x3635c9adc5dea00000";

/** Gives each user enough ether for gas (hardhat_setBalance; no transaction). */
export async function fundEther(chain: Eip1193, users: readonly string[]): Promise<void> {
  for (const u of users) await chain.request({ method: "hardhat_setBalance", params: [u, ONE_THOUSAND_ETH] });
}

export interface SentBlock {
  number: number;
  hashes: string[];
  gasUsed: bigint[];
  status: boolean[];
}

/**
 * Sends `txs` into one block: each signed by its sender's wallet, with explicit nonces and fees
 * (asking the node to fill them in re-runs its pending block for every send, which is
 * quadratic), automine off, then one evm_mine. Restores automine. Fails if the block did not
 * take every transaction.
 */
export async function sendAsOneBlock(chain: Eip1193, txs: readonly TxRequest[]): Promise<SentBlock> {
  const nonces = new Map<string, number>();
  for (const tx of txs) {
    const from = tx.from.toLowerCase();
    if (!nonces.has(from)) {
      const n = (await chain.request({ method: "eth_getTransactionCount", params: [tx.from, "latest"] })) as string;
      nonces.set(from, Number(BigInt(n)));
    }
  }
  const latest = (await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    baseFeePerGas?: string;
  };
  // Twice the base fee covers the next block's increase; the tip is irrelevant in FIFO order.
  const maxFeePerGas = BigInt(latest.baseFeePerGas ?? "0x0") * 2n + 1n;
  const chainId = BigInt((await chain.request({ method: "eth_chainId", params: [] })) as string);
  const raw: string[] = [];
  for (const tx of txs) {
    const from = tx.from.toLowerCase();
    const wallet = signers.get(from);
    if (!wallet) throw new InputError(`no key for sender ${tx.from}: workload senders must be userWallet(i) or registered`);
    const nonce = nonces.get(from)!;
    nonces.set(from, nonce + 1);
    raw.push(
      await wallet.signTransaction({
        type: 2,
        chainId,
        to: tx.to,
        data: tx.data,
        gasLimit: tx.gas ?? 1_500_000n,
        nonce,
        maxFeePerGas,
        maxPriorityFeePerGas: 0n,
      }),
    );
  }
  await chain.request({ method: "evm_setAutomine", params: [false] });
  const hashes: string[] = [];
  try {
    for (const r of raw) hashes.push((await chain.request({ method: "eth_sendRawTransaction", params: [r] })) as string);
    await chain.request({ method: "evm_mine", params: [] });
  } finally {
    await chain.request({ method: "evm_setAutomine", params: [true] });
  }
  const block = (await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    number: string;
    transactions: string[];
  };
  if (block.transactions.length !== txs.length) {
    throw new InputError(`the block took ${block.transactions.length} of ${txs.length} transactions; raise the network's blockGasLimit`);
  }
  const gasUsed: bigint[] = [];
  const status: boolean[] = [];
  for (const hash of hashes) {
    const r = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
      gasUsed: string;
      status: string;
    };
    gasUsed.push(BigInt(r.gasUsed));
    status.push(r.status === "0x1");
  }
  return { number: Number(BigInt(block.number)), hashes, gasUsed, status };
}

/** Sends setup transactions as one block and fails, naming the first, if any reverted. */
export async function sendSetup(chain: Eip1193, txs: readonly TxRequest[], what: string): Promise<void> {
  if (txs.length === 0) return;
  const sent = await sendAsOneBlock(chain, txs);
  const bad = sent.status.findIndex((ok) => !ok);
  if (bad >= 0) throw new Error(`${what}: setup transaction ${bad} (${txs[bad].label} from ${txs[bad].from}) reverted`);
}
