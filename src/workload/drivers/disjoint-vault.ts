/**
 * The disjoint ERC-4626 vault (contracts/vault/DisjointVault.sol) over a MockERC20, K shards,
 * 1,000,000 tokens of deposits before the block spread over the shards (as the OpenZeppelin
 * baseline holds), a mock strategy holding a small allocation that gains before the block, and
 * the owner's harvest in the block (the report: it writes the price word every user operation
 * reads). Withdrawals use the shard-only entry points (withdrawFromShard, redeemFromShard): their
 * declared lists name only the owner's shard, no other (the ERC-4626 exits declare a fallback
 * over every shard).
 * The asset's layout is registered in a TokenLayoutRegistry given to the vault, so the
 * declarations name exact asset slots rather than the asset's whole account.
 */
import { Contract, type BaseContract } from "ethers";
import { fundEther, helperWallet, helperWalletInShard, sendSetup, userAddress, type TxRequest } from "../chain.js";
import { call, callTx, deployArtifact, deployTokenLayouts, fundUsers, units } from "../deploy-helpers.js";
import type { Operation, VaultOp } from "../operations.js";
import type { DriverEnv, ProductDriver } from "./types.js";

const DEPOSITS = 1_000_000;
const USER_FUNDS = 100_000;
const ALLOCATED = 10_000;
const GAIN = 1_000;

export function disjointVaultDriver(shards = 16): ProductDriver {
  let asset: BaseContract;
  let vault: Contract;
  let strategy: BaseContract;
  const owner = helperWallet("vault-owner");
  const names: Record<string, string> = {};
  const encode = (from: string, fn: string, args: unknown[]): TxRequest => callTx(vault, "DisjointVault", from, fn, args);

  return {
    product: "vault",
    system: `disjoint vault (K=${shards})`,
    async deploy(env: DriverEnv) {
      asset = await deployArtifact(env, "MockERC20", ["Vault asset", "VA", 18]);
      const assetAddr = await asset.getAddress();
      const layouts = await deployTokenLayouts(env, [assetAddr]);
      vault = (await deployArtifact(env, "DisjointVault", [
        assetAddr,
        "disjoint vault",
        "djV",
        shards,
        owner.address,
        owner.address,
        await layouts.getAddress(),
      ])) as Contract;
      const vaultAddr = await vault.getAddress();
      strategy = await deployArtifact(env, "VaultMockStrategy", [assetAddr, vaultAddr]);
      await call(strategy, "setTokenLayouts", await layouts.getAddress());
      Object.assign(names, { DisjointVault: vaultAddr, VA: assetAddr, VaultMockStrategy: await strategy.getAddress() });
      const seeds = Array.from({ length: shards }, (_, s) => helperWalletInShard("vault-seed", s, shards));
      await fundEther(env.chain, [owner.address, ...seeds.map((w) => w.address)]);
      await fundUsers(
        asset,
        seeds.map((w) => w.address),
        units(DEPOSITS / shards),
        vaultAddr,
      );
      await sendSetup(
        env.chain,
        [
          encode(owner.address, "setStrategy", [await strategy.getAddress()]),
          ...seeds.map((w) => encode(w.address, "deposit", [units(DEPOSITS / shards), w.address])),
        ],
        "disjoint vault seed deposits",
      );
      await sendSetup(env.chain, [encode(owner.address, "allocate", [0, units(ALLOCATED)])], "disjoint vault allocation");
    },
    async setup(env: DriverEnv, ops: readonly Operation[]) {
      const vaultAddr = String(vault.target);
      const vaultOps = ops.filter((op): op is VaultOp => op.product === "vault");
      const funded = new Set<string>();
      const holdings: TxRequest[] = [];
      for (const op of vaultOps) {
        const user = userAddress(op.user);
        if (op.kind === "deposit" || op.kind === "mint") funded.add(user);
        if (op.held) {
          funded.add(user);
          holdings.push(encode(user, "deposit", [units(op.held), user]));
        }
      }
      await fundUsers(asset, [...funded], units(USER_FUNDS), vaultAddr);
      await sendSetup(env.chain, holdings, "disjoint vault holders");
    },
    async beforeBlock() {
      await call(strategy, "gain", units(GAIN));
    },
    transaction(_env: DriverEnv, op: Operation): TxRequest {
      if (op.product !== "vault") throw new Error(`disjoint vault driver got a ${op.product} operation`);
      const user = userAddress(op.user);
      const amount = units(op.amount);
      switch (op.kind) {
        case "deposit":
          return encode(user, "deposit", [amount, user]);
        case "mint":
          return encode(user, "mint", [amount, user]);
        case "withdraw":
          return encode(user, "withdrawFromShard", [amount, user, user]);
        case "redeem":
          return encode(user, "redeemFromShard", [amount, user, user]);
        case "harvest":
          return encode(owner.address, "harvest", []);
      }
    },
    addresses: () => ({ ...names }),
  };
}
