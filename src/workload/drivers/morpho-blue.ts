/**
 * Morpho Blue, built from its published sources (solc 0.8.19): the lending incumbent of the
 * benchmark. One market per workload market with the parameters of lending-params.ts, the
 * same kinked rate model (contracts/mocks/MorphoBenchIrm.sol) and liquidity as the disjoint market.
 */
import { Contract, type BaseContract } from "ethers";
import { fundEther, sendSetup, userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, fundUsers, units } from "../deploy-helpers.js";
import type { LendingOp, Operation, Workload } from "../operations.js";
import { LIQUIDITY, LLTV, PRICE_AFTER_DROP, PRICE_ONE, RATES, VICTIM_LTV } from "./lending-params.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const USER_FUNDS = 100_000;

interface Market {
  loan: BaseContract;
  collateral: BaseContract;
  oracle: BaseContract;
  params: [string, string, string, string, bigint];
  hasVictims: boolean;
}

export function morphoBlueDriver(): ProductDriver {
  let morpho: Contract;
  let markets: Market[] = [];
  const names: Record<string, string> = {};

  return {
    product: "lending",
    system: "Morpho Blue",
    async deploy(env: DriverEnv, workload: Workload) {
      const deployer = await env.deployer.getAddress();
      morpho = (await deployArtifact(env, "Morpho", [deployer])) as Contract;
      const irm = await deployArtifact(env, "MorphoBenchIrm", [RATES.base, RATES.slope1, RATES.slope2, RATES.kink]);
      const morphoAddr = await morpho.getAddress();
      names.Morpho = morphoAddr;
      await call(morpho, "enableIrm", await irm.getAddress());
      await call(morpho, "enableLltv", LLTV);
      markets = [];
      for (let m = 0; m < workload.markets; m++) {
        const loan = await deployArtifact(env, "MockERC20", [`Loan ${m}`, `L${m}`, 18]);
        const collateral = await deployArtifact(env, "MockERC20", [`Collateral ${m}`, `C${m}`, 18]);
        const oracle = await deployArtifact(env, "MorphoBenchOracle", [PRICE_ONE]);
        const params: Market["params"] = [
          await loan.getAddress(),
          await collateral.getAddress(),
          await oracle.getAddress(),
          await irm.getAddress(),
          LLTV,
        ];
        await call(morpho, "createMarket", params);
        await call(loan, "fund", [deployer], units(LIQUIDITY * 2), morphoAddr);
        await call(collateral, "fund", [deployer], units(LIQUIDITY * 2), morphoAddr);
        await call(morpho, "supply", params, units(LIQUIDITY), 0, deployer, "0x");
        markets.push({ loan, collateral, oracle, params, hasVictims: false });
        Object.assign(names, { [`L${m}`]: params[0], [`C${m}`]: params[1], [`MorphoBenchOracle${m}`]: params[2] });
      }
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const morphoAddr = await morpho.getAddress();
      const lendingOps = ops.filter((op): op is LendingOp => op.product === "lending");
      const needLoan = markets.map(() => new Set<string>());
      const needCollateral = markets.map(() => new Set<string>());
      const borrows: TxRequest[] = [];
      const victims: string[] = [];
      for (const op of lendingOps) {
        const user = userAddress(op.user);
        const mk = markets[op.market];
        const p = op.position ?? {};
        // Funded exactly as the disjoint driver funds its users, so a payout never lands on a zero
        // token balance on one side only (a zero-to-nonzero write costs 17,100 gas more).
        if (op.kind === "supply" || op.kind === "repay" || op.kind === "liquidate" || p.supplied) needLoan[op.market].add(user);
        if (op.kind === "supplyCollateral" || p.collateral) needCollateral[op.market].add(user);
        if (p.supplied) await call(morpho, "supply", mk.params, units(p.supplied), 0, user, "0x");
        if (p.collateral) await call(morpho, "supplyCollateral", mk.params, units(p.collateral), user, "0x");
        if (p.borrowed) borrows.push(borrowTx(user, mk, units(p.borrowed)));
        if (op.kind === "liquidate") {
          // The victim borrows VICTIM_LTV of its collateral's value; the price drop makes it liquidatable.
          const victim = userAddress(op.victim!);
          victims.push(victim);
          needCollateral[op.market].add(victim);
          await call(morpho, "supplyCollateral", mk.params, units(op.amount * 2), victim, "0x");
          borrows.push(borrowTx(victim, mk, units(op.amount * 2 * VICTIM_LTV)));
          mk.hasVictims = true;
        }
      }
      for (const [m, mk] of markets.entries()) {
        await fundUsers(mk.loan, [...needLoan[m]], units(USER_FUNDS), morphoAddr);
        await fundUsers(mk.collateral, [...needCollateral[m]], units(USER_FUNDS), morphoAddr);
      }
      await fundEther(env.chain, victims);
      await sendSetup(env.chain, borrows, "Morpho Blue borrowers");

      function borrowTx(user: string, mk: Market, assets: bigint): TxRequest {
        return callTx(morpho, "Morpho", user, "borrow", [mk.params, assets, 0, user, user]);
      }
    },
    async beforeBlock() {
      for (const mk of markets) if (mk.hasVictims) await call(mk.oracle, "setPrice", PRICE_AFTER_DROP);
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "lending") throw new Error(`Morpho Blue driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      const mk = markets[op.market];
      const amount = units(op.amount);
      const encode = (fn: string, args: unknown[]) => callTx(morpho, "Morpho", user, fn, args);
      switch (op.kind) {
        case "supply":
          return encode("supply", [mk.params, amount, 0, user, "0x"]);
        case "withdraw":
          return encode("withdraw", [mk.params, amount, 0, user, user]);
        case "supplyCollateral":
          return encode("supplyCollateral", [mk.params, amount, user, "0x"]);
        case "borrow":
          return encode("borrow", [mk.params, amount, 0, user, user]);
        case "repay":
          return encode("repay", [mk.params, amount, 0, user, "0x"]);
        case "liquidate":
          // Seize half of the victim's collateral.
          return encode("liquidate", [mk.params, userAddress(op.victim!), amount, 0, "0x"]);
      }
    },
    addresses: () => ({ ...names }),
  };
}
