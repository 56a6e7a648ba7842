/**
 * The disjoint DEX (contracts/dex): pools (i, i+1) with the same total depth as the Uniswap
 * V2 baseline, 1,000,000 of each token, split evenly over K_i shards where K_i follows the
 * pool's Zipf popularity: max(1, round(maxShards / (i + 1))). The client routes each swap hop
 * to a shard before sending (the SAMM rule: a shard that carries the trade within the router's
 * 1% limit; among equal candidates, the one the sender's address picks) and sends it through
 * the explicit-shard entry point, so its declared access list names only that shard.
 * Liquidity goes to the provider's home shard (address mod K), as the router does.
 * The tokens' layouts are registered in a TokenLayoutRegistry given to the factory, so the
 * declarations name exact token slots (balances, allowances) rather than whole token accounts.
 */
import { Contract, MaxUint256, type BaseContract } from "ethers";
import { sendSetup, userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, fundUsers, units, v2LiquidityTx, deployTokenLayouts } from "../deploy-helpers.js";
import type { Operation, Workload } from "../operations.js";
import { POOL_DEPTH } from "./uniswap-v2.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const USER_FUNDS = 100_000;
const DEADLINE = 2n ** 40n;
/** The router's trade limit per shard, in basis points of the shard's reserve. */
const MAX_TRADE_BPS = 100;

export function shardCountFor(pool: number, maxShards: number): number {
  return Math.max(1, Math.round(maxShards / (pool + 1)));
}

export function disjointDexDriver(maxShards = 16): ProductDriver {
  let tokens: BaseContract[] = [];
  let tokenAddrs: string[] = [];
  let factory: Contract;
  let router: Contract;
  const shardCounts: number[] = [];
  const lp = new Map<number, { pair: string; amount: bigint }>();
  const names: Record<string, string> = {};

  const pairIface = [
    "function balanceOf(address) view returns (uint256)",
    "function approve(address,uint256)",
    "function mint(address) returns (uint256)",
  ];

  return {
    product: "dex",
    system: `disjoint DEX (up to ${maxShards} shards)`,
    async deploy(env: DriverEnv, workload: Workload) {
      tokens = [];
      for (let i = 0; i < workload.tokens; i++) tokens.push(await deployArtifact(env, "MockERC20", [`Token ${i}`, `T${i}`, 18]));
      tokenAddrs = await Promise.all(tokens.map((t) => t.getAddress()));
      const layouts = await deployTokenLayouts(env, tokenAddrs);
      factory = (await deployArtifact(env, "DisjointFactory", [await layouts.getAddress()])) as Contract;
      router = (await deployArtifact(env, "DisjointRouter", [await factory.getAddress(), MAX_TRADE_BPS])) as Contract;
      const deployer = await env.deployer.getAddress();
      names.DisjointFactory = await factory.getAddress();
      names.DisjointRouter = await router.getAddress();
      for (const [i, t] of tokens.entries()) {
        names[`T${i}`] = tokenAddrs[i];
        await call(t, "fund", [deployer], units(POOL_DEPTH * 2), await router.getAddress());
      }
      for (let i = 0; i + 1 < workload.tokens; i++) {
        const k = shardCountFor(i, maxShards);
        shardCounts[i] = k;
        await call(factory, "createShardedPair", tokenAddrs[i], tokenAddrs[i + 1], k);
        // Each shard gets an equal part of the depth, minted directly as V2's pair allows.
        for (let s = 0; s < k; s++) {
          const pair = (await factory.getShard(tokenAddrs[i], tokenAddrs[i + 1], s)) as string;
          await call(tokens[i], "transfer", pair, units(POOL_DEPTH / k));
          await call(tokens[i + 1], "transfer", pair, units(POOL_DEPTH / k));
          await call(new Contract(pair, pairIface, env.deployer), "mint", deployer);
          names[`DisjointPair(T${i},T${i + 1})#${s}`] = pair;
        }
      }
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const routerAddr = await router.getAddress();
      const needs = tokens.map(() => new Set<string>());
      const setupTxs: TxRequest[] = [];
      const providers: { index: number; user: string; pair: string }[] = [];
      for (const op of ops) {
        if (op.product !== "dex") continue;
        const user = userAddress(op.user);
        if (op.kind === "swap") {
          needs[op.path[0]].add(user);
          continue;
        }
        needs[op.tokens[0]].add(user);
        needs[op.tokens[1]].add(user);
        if (op.kind !== "removeLiquidity") continue;
        const [a, b] = op.tokens.map((t) => tokenAddrs[t]);
        const [, pair] = (await router.homeShard(a, b, user)) as [bigint, string];
        setupTxs.push({
          from: user,
          to: routerAddr,
          data: router.interface.encodeFunctionData("addLiquidity", [a, b, units(op.provided), units(op.provided), 0, 0, user, DEADLINE]),
          label: "DisjointRouter.addLiquidity",
        });
        setupTxs.push({
          from: user,
          to: pair,
          data: new Contract(pair, pairIface).interface.encodeFunctionData("approve", [routerAddr, MaxUint256]),
          label: "DisjointPair.approve",
        });
        providers.push({ index: op.user, user, pair });
      }
      for (const [i, users] of needs.entries()) await fundUsers(tokens[i], [...users], units(USER_FUNDS), routerAddr);
      await sendSetup(env.chain, setupTxs, "disjoint DEX liquidity providers");
      for (const p of providers) {
        const amount = (await new Contract(p.pair, pairIface, env.deployer).balanceOf(p.user)) as bigint;
        lp.set(p.index, { pair: p.pair, amount });
      }
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "dex") throw new Error(`disjoint DEX driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      if (op.kind === "swap") {
        const path = op.path.map((t) => tokenAddrs[t]);
        // Every shard of a pool is equally deep and carries these trades (at most 50 tokens
        // against >= 62,500 per shard: under the 1% limit), so the sender's address picks one.
        const shards = op.path.slice(1).map((t, h) => BigInt(user) % BigInt(shardCounts[Math.min(t, op.path[h])]));
        return callTx(router, "DisjointRouter", user, "swapExactTokensForTokensOnShards", [
          units(op.amountIn),
          0,
          path,
          shards,
          user,
          DEADLINE,
        ]);
      }
      const pair = op.tokens.map((t) => tokenAddrs[t]) as [string, string];
      return v2LiquidityTx(router, "DisjointRouter", user, op, pair, lp.get(op.user)?.amount, DEADLINE);
    },
    addresses: () => ({ ...names }),
  };
}
