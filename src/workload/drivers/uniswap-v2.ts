/**
 * Uniswap V2, deployed from its published build artifacts: the DEX incumbent of the
 * benchmark. Pools (i, i+1) hold 1,000,000 of each token, as the disjoint DEX's do.
 */
import { createRequire } from "node:module";
import { Contract, ContractFactory, MaxUint256, type BaseContract, type InterfaceAbi } from "ethers";
import { sendSetup, userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, fundUsers, units, v2LiquidityTx } from "../deploy-helpers.js";
import type { Operation, Workload } from "../operations.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const require = createRequire(import.meta.url);
const build = (pkg: string, name: string) => require(`@uniswap/${pkg}/build/${name}.json`) as { abi: InterfaceAbi; bytecode: string };

export const POOL_DEPTH = 1_000_000;
const USER_FUNDS = 100_000;
const DEADLINE = 2n ** 40n;

export function uniswapV2Driver(): ProductDriver {
  let tokens: BaseContract[] = [];
  let tokenAddrs: string[] = [];
  let factory: Contract;
  let router: Contract;
  const lp = new Map<number, bigint>();
  const names: Record<string, string> = {};

  const pairOf = async (a: number, b: number) => (await factory.getPair(tokenAddrs[a], tokenAddrs[b])) as string;

  return {
    product: "dex",
    system: "Uniswap V2",
    async deploy(env: DriverEnv, workload: Workload) {
      tokens = [];
      for (let i = 0; i < workload.tokens; i++) tokens.push(await deployArtifact(env, "MockERC20", [`Token ${i}`, `T${i}`, 18]));
      tokenAddrs = await Promise.all(tokens.map((t) => t.getAddress()));
      const f = build("v2-core", "UniswapV2Factory");
      const deployer = await env.deployer.getAddress();
      factory = (await new ContractFactory(f.abi, f.bytecode, env.deployer).deploy(deployer)) as Contract;
      await factory.waitForDeployment();
      const r = build("v2-periphery", "UniswapV2Router02");
      // The router's WETH is never used by the workload; any token address serves.
      router = (await new ContractFactory(r.abi, r.bytecode, env.deployer).deploy(await factory.getAddress(), tokenAddrs[0])) as Contract;
      await router.waitForDeployment();
      const routerAddr = await router.getAddress();
      names.UniswapV2Factory = await factory.getAddress();
      names.UniswapV2Router02 = routerAddr;
      for (const [i, t] of tokens.entries()) {
        names[`T${i}`] = tokenAddrs[i];
        await call(t, "fund", [deployer], units(POOL_DEPTH * 2), routerAddr);
      }
      for (let i = 0; i + 1 < workload.tokens; i++) {
        await call(
          router,
          "addLiquidity",
          tokenAddrs[i],
          tokenAddrs[i + 1],
          units(POOL_DEPTH),
          units(POOL_DEPTH),
          0,
          0,
          deployer,
          DEADLINE,
        );
        names[`UniswapV2Pair(T${i},T${i + 1})`] = await pairOf(i, i + 1);
      }
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const routerAddr = await router.getAddress();
      const needs = tokens.map(() => new Set<string>());
      const providers: { user: string; index: number; a: number; b: number; provided: number }[] = [];
      for (const op of ops) {
        if (op.product !== "dex") continue;
        const user = userAddress(op.user);
        if (op.kind === "swap") needs[op.path[0]].add(user);
        else {
          needs[op.tokens[0]].add(user);
          needs[op.tokens[1]].add(user);
          if (op.kind === "removeLiquidity")
            providers.push({ user, index: op.user, a: op.tokens[0], b: op.tokens[1], provided: op.provided });
        }
      }
      for (const [i, users] of needs.entries()) await fundUsers(tokens[i], [...users], units(USER_FUNDS), routerAddr);
      // Liquidity providers add in setup, then approve the router to take their LP tokens.
      const setupTxs: TxRequest[] = [];
      for (const p of providers) {
        setupTxs.push({
          from: p.user,
          to: routerAddr,
          data: router.interface.encodeFunctionData("addLiquidity", [
            tokenAddrs[p.a],
            tokenAddrs[p.b],
            units(p.provided),
            units(p.provided),
            0,
            0,
            p.user,
            DEADLINE,
          ]),
          label: "UniswapV2Router02.addLiquidity",
        });
        setupTxs.push({
          from: p.user,
          to: await pairOf(p.a, p.b),
          data: new Contract(await pairOf(p.a, p.b), ["function approve(address,uint256)"]).interface.encodeFunctionData("approve", [
            routerAddr,
            MaxUint256,
          ]),
          label: "UniswapV2Pair.approve",
        });
      }
      await sendSetup(env.chain, setupTxs, "Uniswap V2 liquidity providers");
      for (const p of providers) {
        const pair = new Contract(await pairOf(p.a, p.b), ["function balanceOf(address) view returns (uint256)"], env.deployer);
        lp.set(p.index, (await pair.balanceOf(p.user)) as bigint);
      }
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "dex") throw new Error(`Uniswap V2 driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      if (op.kind === "swap") {
        const path = op.path.map((t) => tokenAddrs[t]);
        return callTx(router, "UniswapV2Router02", user, "swapExactTokensForTokens", [units(op.amountIn), 0, path, user, DEADLINE]);
      }
      const pair = op.tokens.map((t) => tokenAddrs[t]) as [string, string];
      return v2LiquidityTx(router, "UniswapV2Router02", user, op, pair, lp.get(op.user), DEADLINE);
    },
    addresses: () => ({ ...names }),
  };
}
