/**
 * OpenZeppelin's ERC4626 (contracts/mocks/OZVault.sol, the unmodified extension over a
 * MockERC20): the vault incumbent of the benchmark. It holds 1,000,000 tokens of deposits
 * before the block. A "harvest" is the keeper paying realised yield into the vault, which is
 * how profit reaches a plain ERC-4626.
 */
import { Contract, type BaseContract } from "ethers";
import { userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, fundUsers, units } from "../deploy-helpers.js";
import type { Operation, VaultOp } from "../operations.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const DEPOSITS = 1_000_000;
const USER_FUNDS = 100_000;
const HARVEST = 1_000;

export function ozErc4626Driver(): ProductDriver {
  let asset: BaseContract;
  let vault: Contract;
  let keeper = "";
  const names: Record<string, string> = {};

  return {
    product: "vault",
    system: "OpenZeppelin ERC4626",
    async deploy(env: DriverEnv) {
      const deployer = await env.deployer.getAddress();
      asset = await deployArtifact(env, "MockERC20", ["Vault asset", "VA", 18]);
      vault = (await deployArtifact(env, "OZVault", [await asset.getAddress()])) as Contract;
      const vaultAddr = await vault.getAddress();
      names.OZVault = vaultAddr;
      names.VA = await asset.getAddress();
      await call(asset, "fund", [deployer], units(DEPOSITS * 2), vaultAddr);
      await call(vault, "deposit", units(DEPOSITS), deployer);
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const vaultAddr = await vault.getAddress();
      const vaultOps = ops.filter((op): op is VaultOp => op.product === "vault");
      const depositors = new Set<string>();
      for (const op of vaultOps) {
        const user = userAddress(op.user);
        if (op.kind === "harvest") keeper = user;
        if (op.kind === "deposit" || op.kind === "mint" || op.kind === "harvest") depositors.add(user);
        // Holders get their shares from the funder depositing on their behalf, and hold tokens
        // as the disjoint driver's holders do (a payout to a zero balance costs 17,100 gas more).
        if (op.held) {
          depositors.add(user);
          await call(vault, "deposit", units(op.held), user);
        }
      }
      await fundUsers(asset, [...depositors], units(USER_FUNDS), vaultAddr);
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "vault") throw new Error(`ERC4626 driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      const to = vault.target as string;
      const amount = units(op.amount);
      const encode = (fn: string, args: unknown[]): TxRequest => callTx(vault, "OZVault", user, fn, args);
      switch (op.kind) {
        case "deposit":
          return encode("deposit", [amount, user]);
        case "mint":
          // Shares are worth about one asset before any yield; ask for a little less than funded.
          return encode("mint", [amount, user]);
        case "withdraw":
          return encode("withdraw", [amount, user, user]);
        case "redeem":
          return encode("redeem", [amount, user, user]);
        case "harvest":
          return {
            from: keeper,
            to: asset.target as string,
            data: asset.interface.encodeFunctionData("transfer", [to, units(HARVEST)]),
            label: "OZVault.harvest (yield paid in)",
          };
      }
    },
    addresses: () => ({ ...names }),
  };
}
