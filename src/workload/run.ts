/**
 * Runs one workload on one design: deploy, set the users up, then every operation as one
 * transaction of a single block. The block is what capture and analysis look at.
 */
import { InputError } from "../errors.js";
import { fundEther, sendAsOneBlock, userAddress, type TxRequest } from "./chain.js";
import type { Design, DriverEnv } from "./drivers/types.js";
import type { Operation, PrologueOp, Product, Workload } from "./operations.js";

export interface WorkloadTx {
  hash: string;
  label: string;
  request: TxRequest;
  /** The workload's operation, or the driver's prologue transaction it stands for. */
  op: Operation | PrologueOp;
  gasUsed: bigint;
}

export interface WorkloadRun {
  design: string;
  workload: string;
  blockNumber: number;
  txs: WorkloadTx[];
  /** Contract name -> address, of every design contract the block may touch. */
  addresses: Record<string, string>;
}

export type Progress = (stage: string) => void;

export async function runWorkload(env: DriverEnv, design: Design, workload: Workload, progress: Progress = () => {}): Promise<WorkloadRun> {
  await prepareWorkload(env, design, workload, progress);
  return sendBlock(env, design, workload, workload.ops, progress);
}

/**
 * Runs a workload whose operations are split into consecutive blocks (`blockSizes[i]`
 * operations in block i; blocks of 0 send nothing): deploy and set up once, then one block
 * after another. One run per non-empty block. `beforeBlock` runs once, before the first block.
 * Designs with a `blockPrologue` are refused: it is prepared for one block (the batch DEX's
 * settlement of the one previous batch) and would be sent again in the next.
 */
export async function runWorkloadBlocks(
  env: DriverEnv,
  design: Design,
  workload: Workload,
  blockSizes: readonly number[],
  progress: Progress = () => {},
): Promise<WorkloadRun[]> {
  const single = Object.values(design.drivers).filter((d) => d?.blockPrologue);
  if (single.length > 0)
    throw new InputError(
      `${design.name}: ${single.map((d) => d!.system).join(", ")} prepares the prologue of one measured block (blockPrologue), so it cannot run over several blocks`,
      { hint: "run this design with runWorkload (one block), or give its driver a per-block preparation first" },
    );
  const total = blockSizes.reduce((a, b) => a + b, 0);
  if (total !== workload.ops.length)
    throw new InputError(`${workload.name}: the block sizes add up to ${total}, the workload has ${workload.ops.length} operations`);
  await prepareWorkload(env, design, workload, progress);
  const runs: WorkloadRun[] = [];
  let at = 0;
  for (const n of blockSizes) {
    if (n === 0) continue;
    runs.push(await sendBlock(env, design, workload, workload.ops.slice(at, at + n), () => {}));
    at += n;
  }
  progress(`${design.name}: sent ${total} transactions in ${runs.length} blocks`);
  return runs;
}

/** Checks the design has a driver per product, deploys, funds and sets up every user. */
async function prepareWorkload(env: DriverEnv, design: Design, workload: Workload, progress: Progress): Promise<void> {
  const products = [...new Set(workload.ops.map((op) => op.product))] as Product[];
  for (const p of products) {
    if (!design.drivers[p]) throw new InputError(`design ${design.name} has no ${p} driver, but workload ${workload.name} needs one`);
  }
  const drivers = products.map((p) => design.drivers[p]!);
  for (const d of drivers) {
    progress(`${design.name}: deploying ${d.system}`);
    await d.deploy(env, workload);
  }
  const users = [...new Set(workload.ops.map((op) => op.user))].map(userAddress);
  progress(`${design.name}: funding ${users.length} users with ether`);
  await fundEther(env.chain, users);
  for (const d of drivers) {
    progress(`${design.name}: setting up ${d.system}`);
    await d.setup(
      env,
      workload.ops.filter((op) => op.product === d.product),
    );
  }
  for (const d of drivers) await d.beforeBlock?.(env);
}

/**
 * Sends the drivers' prologue transactions then `ops` as one block and fails, naming the
 * first few, if any reverted.
 */
async function sendBlock(
  env: DriverEnv,
  design: Design,
  workload: Workload,
  ops: readonly Operation[],
  progress: Progress,
): Promise<WorkloadRun> {
  const products = [...new Set(workload.ops.map((op) => op.product))] as Product[];
  const drivers = products.map((p) => design.drivers[p]!);
  const prologue = drivers.flatMap((d) => d.blockPrologue?.(env) ?? []);
  const all: (Operation | PrologueOp)[] = [...prologue.map((p) => p.op), ...ops];
  const txs: TxRequest[] = [...prologue.map((p) => p.request), ...ops.map((op) => design.drivers[op.product]!.transaction(env, op))];
  progress(`${design.name}: sending ${txs.length} transactions into one block`);
  const sent = await sendAsOneBlock(env.chain, txs);
  const failed = sent.status.flatMap((ok, i) => (ok ? [] : [i]));
  if (failed.length > 0) {
    const first = failed.slice(0, 5).map((i) => `#${i} ${txs[i].label} (${JSON.stringify(all[i])})`);
    throw new InputError(`${design.name}: ${failed.length} of ${txs.length} workload transactions reverted, first: ${first.join("; ")}`);
  }
  const addresses: Record<string, string> = {};
  for (const d of drivers) Object.assign(addresses, d.addresses());
  return {
    design: design.name,
    workload: workload.name,
    blockNumber: sent.number,
    txs: sent.hashes.map((hash, i) => ({ hash, label: txs[i].label, request: txs[i], op: all[i], gasUsed: sent.gasUsed[i] })),
    addresses,
  };
}
