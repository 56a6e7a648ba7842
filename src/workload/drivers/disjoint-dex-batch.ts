/**
 * The disjoint batch DEX (contracts/dex/DisjointBatchPool.sol): one batch pool per pair (i, i+1)
 * with the same depth as the Uniswap V2 baseline (1,000,000 of each token), `shards` trader
 * shards. Each single-hop swap of the block is an order (`submit`, no limit) in the block's
 * batch. Settlement is counted: before the measured block, `beforeBlock` fills each traded
 * pool's previous batch with as many orders (same sides and sizes, from helper accounts) as
 * the block has on it, and `blockPrologue` gives the keeper's `settle` of those batches, sent
 * first in the measured block. Batch pools take orders only: liquidity operations and
 * multi-hop paths are not part of this workload (the caller passes single-hop swaps).
 */
import { Contract, type BaseContract } from "ethers";
import { fundEther, helperWallet, sendSetup, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, deployTokenLayouts, fundUsers, units } from "../deploy-helpers.js";
import type { Operation, PrologueOp, SwapOp, Workload } from "../operations.js";
import { userAddress } from "../chain.js";
import { POOL_DEPTH } from "./uniswap-v2.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const USER_FUNDS = 100_000;
/** Blocks in which a batch can be settled. */
const SETTLE_WINDOW = 256;

const SETTLEMENT: PrologueOp = { product: "dex", kind: "prologue", what: "batch settlement" };

export function disjointBatchDexDriver(shards = 32): ProductDriver {
  let tokens: BaseContract[] = [];
  let tokenAddrs: string[] = [];
  const pools = new Map<number, Contract>();
  const names: Record<string, string> = {};
  let ops: SwapOp[] = [];
  let batch = 0;
  const settlements: TxRequest[] = [];
  // One keeper per pool: settlements of different pools share no sender account.
  const keeper = (pool: number) => helperWallet(`batch-keeper-${pool}`);

  const poolOf = (op: SwapOp) => {
    if (op.path.length !== 2) throw new Error(`batch DEX driver: orders are single-hop, got path ${op.path.join("-")}`);
    return Math.min(op.path[0], op.path[1]);
  };
  const zeroForOne = (op: SwapOp) => BigInt(tokenAddrs[op.path[0]]) < BigInt(tokenAddrs[op.path[1]]);
  const submitTx = (from: string, op: SwapOp, forBatch: number) =>
    callTx(pools.get(poolOf(op))!, "DisjointBatchPool", from, "submit", [forBatch, zeroForOne(op), units(op.amountIn), 0]);

  /** Per shard, ascending addresses: the settlement's order lists. */
  const lists = (traders: string[]) => {
    const out: string[][] = Array.from({ length: shards }, () => []);
    for (const t of traders) out[Number(BigInt(t) % BigInt(shards))].push(t);
    for (const l of out) l.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    return out;
  };

  return {
    product: "dex",
    system: `disjoint batch DEX (${shards} trader shards)`,
    async deploy(env: DriverEnv, workload: Workload) {
      tokens = [];
      for (let i = 0; i < workload.tokens; i++) tokens.push(await deployArtifact(env, "MockERC20", [`Token ${i}`, `T${i}`, 18]));
      tokenAddrs = await Promise.all(tokens.map((t) => t.getAddress()));
      const layouts = await deployTokenLayouts(env, tokenAddrs);
      const deployer = await env.deployer.getAddress();
      for (const [i, t] of tokenAddrs.entries()) names[`T${i}`] = t;
      for (let i = 0; i + 1 < workload.tokens; i++) {
        const pool = (await deployArtifact(env, "DisjointBatchPool", [
          tokenAddrs[i],
          tokenAddrs[i + 1],
          shards,
          SETTLE_WINDOW,
          await layouts.getAddress(),
        ])) as Contract;
        const addr = await pool.getAddress();
        pools.set(i, pool);
        names[`DisjointBatchPool(T${i},T${i + 1})`] = addr;
        for (const j of [i, i + 1]) await call(tokens[j], "fund", [deployer], units(POOL_DEPTH) + BigInt(4 * shards), addr);
        // The first mint also leaves 1 wei in each of the 2 * shards escrows.
        const tx = await pool.getFunction("mint")(units(POOL_DEPTH), units(POOL_DEPTH), 0, deployer, { gasLimit: 29_000_000n });
        await tx.wait();
      }
    },
    async setup(env: DriverEnv, all: readonly Operation[]) {
      ops = all.map((op) => {
        if (op.product !== "dex" || op.kind !== "swap") throw new Error(`batch DEX driver takes swaps only, got ${op.product} ${op.kind}`);
        return op;
      });
      // Users, and the helpers of the previous batch, hold their input and allow the pool.
      const need = new Map<string, Set<string>>();
      for (const [i, op] of ops.entries()) {
        const key = `${op.path[0]}:${poolOf(op)}`;
        if (!need.has(key)) need.set(key, new Set());
        need.get(key)!.add(userAddress(op.user));
        need.get(key)!.add(helperWallet(`batch-prior-${i}`).address);
      }
      for (const [key, users] of need) {
        const [token, pool] = key.split(":").map(Number);
        await fundUsers(tokens[token], [...users], units(USER_FUNDS), await pools.get(pool)!.getAddress());
      }
      const keepers = [...pools.keys()].map((p) => keeper(p).address);
      await fundEther(env.chain, [...keepers, ...ops.map((_, i) => helperWallet(`batch-prior-${i}`).address)]);
    },
    async beforeBlock(env: DriverEnv) {
      // The previous batch: the same orders from helpers, in the block before the measured one.
      const latest = Number(BigInt((await env.chain.request({ method: "eth_blockNumber", params: [] })) as string));
      const prior = latest + 1;
      const txs = ops.map((op, i) => submitTx(helperWallet(`batch-prior-${i}`).address, op, prior));
      await sendSetup(env.chain, txs, "batch DEX previous batch");
      batch = prior + 1;
      settlements.length = 0;
      for (const [p, pool] of pools) {
        const traders = ops.flatMap((op, i) => (poolOf(op) === p ? [helperWallet(`batch-prior-${i}`).address] : []));
        if (traders.length === 0) continue;
        const tx = callTx(pool, "DisjointBatchPool", keeper(p).address, "settle", [prior, lists(traders)]);
        settlements.push({ ...tx, gas: 60_000_000n });
      }
    },
    /** The keeper's settlements of the batches `beforeBlock` filled, one per traded pool. */
    blockPrologue: () => settlements.map((request) => ({ request, op: SETTLEMENT })),
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "dex" || op.kind !== "swap") throw new Error(`batch DEX driver got a ${op.product} ${op.kind} operation`);
      return submitTx(userAddress(op.user), op, batch);
    },
    addresses: () => ({ ...names }),
  };
}
