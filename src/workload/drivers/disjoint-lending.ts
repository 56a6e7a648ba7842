/**
 * The disjoint lending market (contracts/lending/LendingMarket.sol): one market per workload
 * market, K shards, the parameters of lending-params.ts. Liquidity is seeded into every
 * escrow shard by a lender living in that shard, so each user borrows and withdraws from
 * their own shard (sources = 0: no fallback, so no other shard is declared or touched).
 * Both tokens' layouts are registered in a TokenLayoutRegistry given to the market, so the
 * declarations name exact token slots rather than whole token accounts.
 */
import { Contract, type BaseContract } from "ethers";
import { fundEther, helperWalletInShard, sendSetup, userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, deployTokenLayouts, fundUsers, units } from "../deploy-helpers.js";
import type { LendingOp, Operation, Workload } from "../operations.js";
import { LIQUIDATION_BONUS, LIQUIDITY, LLTV, PRICE_AFTER_DROP, PRICE_ONE, RATES, VICTIM_LTV } from "./lending-params.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const USER_FUNDS = 100_000;
const YEAR = 365 * 24 * 3600;

interface Market {
  market: Contract;
  loan: BaseContract;
  collateral: BaseContract;
  oracle: BaseContract;
  hasVictims: boolean;
}

export function disjointLendingDriver(shards = 16): ProductDriver {
  let markets: Market[] = [];
  const names: Record<string, string> = {};

  return {
    product: "lending",
    system: `disjoint lending (K=${shards})`,
    async deploy(env: DriverEnv, workload: Workload) {
      const owner = await env.deployer.getAddress();
      markets = [];
      for (let m = 0; m < workload.markets; m++) {
        const loan = await deployArtifact(env, "MockERC20", [`Loan ${m}`, `L${m}`, 18]);
        const collateral = await deployArtifact(env, "MockERC20", [`Collateral ${m}`, `C${m}`, 18]);
        const oracle = await deployArtifact(env, "MockPriceOracle", [PRICE_ONE]);
        const params = {
          loanToken: await loan.getAddress(),
          collateralToken: await collateral.getAddress(),
          oracle: await oracle.getAddress(),
          shardCount: shards,
          lltv: LLTV,
          liquidationBonus: LIQUIDATION_BONUS,
          maxPriceAge: YEAR,
          baseRate: RATES.base,
          slope1: RATES.slope1,
          slope2: RATES.slope2,
          kink: RATES.kink,
        };
        const layouts = await deployTokenLayouts(env, [params.loanToken, params.collateralToken]);
        const market = (await deployArtifact(env, "LendingMarket", [params, owner, await layouts.getAddress()])) as Contract;
        const addr = await market.getAddress();
        // One seed account per shard supplies LIQUIDITY / K into that shard's escrow and
        // borrows a little against collateral, so every shard is in the steady state Morpho's
        // single market is in (nonzero supply and borrow totals) before the block.
        const seeds = Array.from({ length: shards }, (_, s) => helperWalletInShard(`lender-m${m}`, s, shards));
        const seedAddrs = seeds.map((w) => w.address);
        await fundEther(env.chain, seedAddrs);
        await fundUsers(loan, seedAddrs, units(LIQUIDITY / shards), addr);
        await fundUsers(collateral, seedAddrs, units(100), addr);
        const seedTx = (from: string, fn: string, args: unknown[]) => callTx(market, "LendingMarket", from, fn, args);
        await sendSetup(
          env.chain,
          seedAddrs.flatMap((a) => [
            seedTx(a, "supply", [units(LIQUIDITY / shards)]),
            seedTx(a, "depositCollateral", [units(100)]),
            seedTx(a, "borrow", [units(10), a, 0]),
          ]),
          "disjoint lending seed positions",
        );
        markets.push({ market, loan, collateral, oracle, hasVictims: false });
        Object.assign(names, {
          [`LendingMarket${m}`]: addr,
          [`L${m}`]: params.loanToken,
          [`C${m}`]: params.collateralToken,
          [`MockPriceOracle${m}`]: params.oracle,
        });
      }
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const lendingOps = ops.filter((op): op is LendingOp => op.product === "lending");
      const needLoan = markets.map(() => new Set<string>());
      const needCollateral = markets.map(() => new Set<string>());
      const positions: TxRequest[] = [];
      const victims: string[] = [];
      const tx = (mk: Market, from: string, fn: string, args: unknown[]) => callTx(mk.market, "LendingMarket", from, fn, args);
      for (const op of lendingOps) {
        const user = userAddress(op.user);
        const mk = markets[op.market];
        const p = op.position ?? {};
        if (op.kind === "supply" || op.kind === "repay" || op.kind === "liquidate" || p.supplied) needLoan[op.market].add(user);
        if (op.kind === "supplyCollateral" || p.collateral) needCollateral[op.market].add(user);
        if (p.supplied) positions.push(tx(mk, user, "supply", [units(p.supplied)]));
        if (p.collateral) positions.push(tx(mk, user, "depositCollateral", [units(p.collateral)]));
        if (p.borrowed) positions.push(tx(mk, user, "borrow", [units(p.borrowed), user, 0]));
        if (op.kind === "liquidate") {
          const victim = userAddress(op.victim!);
          victims.push(victim);
          needCollateral[op.market].add(victim);
          positions.push(tx(mk, victim, "depositCollateral", [units(op.amount * 2)]));
          positions.push(tx(mk, victim, "borrow", [units(op.amount * 2 * VICTIM_LTV), victim, 0]));
          mk.hasVictims = true;
        }
      }
      for (const [m, mk] of markets.entries()) {
        const addr = String(mk.market.target);
        await fundUsers(mk.loan, [...needLoan[m]], units(USER_FUNDS), addr);
        await fundUsers(mk.collateral, [...needCollateral[m]], units(USER_FUNDS), addr);
      }
      await fundEther(env.chain, victims);
      await sendSetup(env.chain, positions, "disjoint lending positions");
    },
    async beforeBlock() {
      for (const mk of markets) if (mk.hasVictims) await call(mk.oracle, "setPrice", PRICE_AFTER_DROP);
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "lending") throw new Error(`disjoint lending driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      const mk = markets[op.market];
      const amount = units(op.amount);
      const encode = (fn: string, args: unknown[]): TxRequest => callTx(mk.market, "LendingMarket", user, fn, args);
      switch (op.kind) {
        case "supply":
          return encode("supply", [amount]);
        case "withdraw":
          return encode("withdraw", [amount, user, 0]);
        case "supplyCollateral":
          return encode("depositCollateral", [amount]);
        case "borrow":
          return encode("borrow", [amount, user, 0]);
        case "repay":
          return encode("repay", [amount, user]);
        case "liquidate":
          // Repay about as much debt as seizing `amount` of collateral would on Morpho.
          return encode("liquidate", [userAddress(op.victim!), units(op.amount * 0.8)]);
      }
    },
    addresses: () => ({ ...names }),
  };
}
