/**
 * The one window Ignition's journal leaves on a kill: a transaction handed to the node (Ignition
 * journals TRANSACTION_PREPARE_SEND with the nonce first) but killed before TRANSACTION_SEND
 * records its hash. On the rerun Ignition sees a deployer nonce it did not journal and stops.
 * `repairOrphans` finds such a transaction by the deployer's nonce (in the pending block, else
 * in recent blocks) and adopts it when it is the future's own (same to, data and value): it
 * appends the missing TRANSACTION_SEND, so Ignition waits for its receipt instead of sending
 * again. A transaction with that nonce that is not the future's is reported with the one
 * command that clears the future. No hardhat import: the chain is reached through `request`.
 */
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import { DeployParameterError } from "./config.js";

/** A send Ignition prepared and may have handed to the node, without journaling its hash. */
export interface UnjournaledSend {
  futureId: string;
  networkInteractionId: number;
  nonce: number;
  to: string | undefined;
  data: string;
  value: bigint;
}

interface JournalLine {
  type: string;
  futureId?: string;
  networkInteractionId?: number;
  nonce?: number;
  networkInteraction?: { id: number; type: string; to?: string; data?: string; value?: { _kind: "bigint"; value: string } };
}

/** Sends of a journal with TRANSACTION_PREPARE_SEND and no TRANSACTION_SEND after it. */
export function unjournaledSends(journal: string): UnjournaledSend[] {
  const requests = new Map<string, { to: string | undefined; data: string; value: bigint }>();
  const prepared = new Map<string, UnjournaledSend>();
  for (const line of journal.split("\n")) {
    if (line.trim() === "") continue;
    const msg = JSON.parse(line) as JournalLine;
    if (msg.futureId === undefined) continue;
    if (msg.type === "NETWORK_INTERACTION_REQUEST" && msg.networkInteraction?.type === "ONCHAIN_INTERACTION") {
      const ni = msg.networkInteraction;
      requests.set(`${msg.futureId}#${ni.id}`, { to: ni.to, data: ni.data ?? "0x", value: BigInt(ni.value?.value ?? "0") });
    } else if (msg.type === "TRANSACTION_PREPARE_SEND") {
      const k = `${msg.futureId}#${msg.networkInteractionId}`;
      const req = requests.get(k);
      if (req !== undefined)
        prepared.set(k, { futureId: msg.futureId, networkInteractionId: msg.networkInteractionId!, nonce: msg.nonce!, ...req });
    } else if (msg.type === "TRANSACTION_SEND" || msg.type === "WIPE_APPLY" || msg.type.endsWith("_EXECUTION_STATE_COMPLETE")) {
      for (const k of [...prepared.keys()]) if (k.startsWith(`${msg.futureId}#`)) prepared.delete(k);
    }
  }
  return [...prepared.values()];
}

interface RpcTx {
  hash: string;
  from: string;
  to: string | null;
  input: string;
  value: string;
  nonce: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
}

type Request = (method: string, params: unknown[]) => Promise<unknown>;

/** The deployer's transaction with `nonce`: in the pending block, else in the last `depth` blocks. */
async function findByNonce(request: Request, from: string, nonce: number, depth: number): Promise<RpcTx | undefined> {
  const mine = (txs: RpcTx[]) => txs.find((t) => t.from.toLowerCase() === from.toLowerCase() && Number(BigInt(t.nonce)) === nonce);
  const pending = (await request("eth_getBlockByNumber", ["pending", true]).catch(() => null)) as { transactions: RpcTx[] } | null;
  const hit = pending === null ? undefined : mine(pending.transactions);
  if (hit !== undefined) return hit;
  const latest = Number(BigInt((await request("eth_blockNumber", [])) as string));
  for (let n = latest; n >= Math.max(0, latest - depth); n--) {
    const b = (await request("eth_getBlockByNumber", [`0x${n.toString(16)}`, true])) as { transactions: RpcTx[] } | null;
    const t = b === null ? undefined : mine(b.transactions);
    if (t !== undefined) return t;
  }
  return undefined;
}

const big = (v: string) => ({ _kind: "bigint", value: BigInt(v).toString(10) });

/**
 * Adopts or reports every unjournaled send of the deployment in `deploymentDir`. Returns the
 * adopted futures. Throws DeployParameterError for a nonce used by another transaction.
 */
export async function repairOrphans(
  deploymentDir: string,
  deploymentId: string,
  deployer: string,
  request: Request,
  log: (s: string) => void,
  depth = 256,
): Promise<string[]> {
  const file = path.join(deploymentDir, "journal.jsonl");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  const adopted: string[] = [];
  const used = Number(BigInt((await request("eth_getTransactionCount", [deployer, "pending"])) as string));
  for (const send of unjournaledSends(text)) {
    if (send.nonce >= used) continue; // nothing was sent with that nonce: Ignition sends it again
    const tx = await findByNonce(request, deployer, send.nonce, depth);
    const clear = `npx hardhat ignition wipe ${deploymentId} ${send.futureId}`;
    if (tx === undefined) {
      throw new DeployParameterError(
        `${send.futureId}: the deployer's nonce ${send.nonce} was used, but its transaction is not in the pending block or the last ${depth} blocks; check it on an explorer, then clear the future with \`${clear}\` and rerun`,
      );
    }
    const same =
      (tx.to ?? undefined)?.toLowerCase() === send.to?.toLowerCase() &&
      tx.input.toLowerCase() === send.data.toLowerCase() &&
      BigInt(tx.value) === send.value;
    if (!same) {
      throw new DeployParameterError(
        `${send.futureId}: the deployer's nonce ${send.nonce} was used by ${tx.hash} (to ${tx.to ?? "a new contract"}), which is not this future's transaction; clear the future with \`${clear}\` and rerun`,
      );
    }
    const fees =
      tx.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined
        ? { maxFeePerGas: big(tx.maxFeePerGas), maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas) }
        : { gasPrice: big(tx.gasPrice ?? "0") };
    const line = {
      type: "TRANSACTION_SEND",
      futureId: send.futureId,
      networkInteractionId: send.networkInteractionId,
      nonce: send.nonce,
      transaction: { hash: tx.hash, fees },
    };
    await appendFile(file, `${JSON.stringify(line)}\n`);
    log(
      `  ${send.futureId}: its transaction ${tx.hash} (nonce ${send.nonce}) was sent but not journaled; adopted, Ignition waits for its receipt`,
    );
    adopted.push(send.futureId);
  }
  return adopted;
}
