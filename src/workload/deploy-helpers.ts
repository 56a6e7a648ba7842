/** Deploying from artifacts and encoding calls, shared by the drivers. */
import { BaseContract, ContractFactory, Interface, parseUnits, type InterfaceAbi } from "ethers";
import type { TxRequest } from "./chain.js";
import type { DriverEnv } from "./drivers/types.js";

export async function deployArtifact(env: DriverEnv, name: string, args: unknown[] = []): Promise<BaseContract> {
  const art = await env.artifact(name);
  const factory = new ContractFactory(art.abi, art.bytecode, env.deployer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

export async function iface(env: DriverEnv, name: string): Promise<Interface> {
  return new Interface((await env.artifact(name)).abi as InterfaceAbi);
}

/** Whole tokens (possibly fractional) to base units of an 18-decimals token. */
export function units(amount: number): bigint {
  return parseUnits(amount.toFixed(6), 18);
}

/** Calls a method and waits for it to be mined, failing loudly. */
export async function call(contract: BaseContract, method: string, ...args: unknown[]): Promise<void> {
  const fn = contract.getFunction(method);
  const tx = await fn(...args);
  await tx.wait();
}

/** Mints `amount` of a MockERC20 to each user (in batches) and lets `spender` spend it. */
export async function fundUsers(token: BaseContract, users: readonly string[], amount: bigint, spender: string) {
  for (let i = 0; i < users.length; i += 250) {
    await call(token, "fund", users.slice(i, i + 250), amount, spender);
  }
}

/** A workload transaction calling `fn` on `contract`, labelled "`name`.`fn`" for reports. */
export function callTx(contract: BaseContract, name: string, from: string, fn: string, args: readonly unknown[]): TxRequest {
  return { from, to: String(contract.target), data: contract.interface.encodeFunctionData(fn, args), label: `${name}.${fn}` };
}

/** The V2 router calls both DEX designs share: add liquidity, and remove a fraction of the LP held. */
export function v2LiquidityTx(
  router: BaseContract,
  name: string,
  user: string,
  op: { kind: "addLiquidity"; amount: number } | { kind: "removeLiquidity"; fraction: number },
  pair: [string, string],
  heldLp: bigint | undefined,
  deadline: bigint,
): TxRequest {
  const [a, b] = pair;
  if (op.kind === "addLiquidity") {
    return callTx(router, name, user, "addLiquidity", [a, b, units(op.amount), units(op.amount), 0, 0, user, deadline]);
  }
  if (heldLp === undefined) throw new Error(`${user} has no liquidity from setup`);
  const liquidity = (heldLp * BigInt(Math.round(op.fraction * 100))) / 100n;
  return callTx(router, name, user, "removeLiquidity", [a, b, liquidity, 0, 0, user, deadline]);
}

/**
 * Storage layout of OpenZeppelin's ERC20 (v5), which the test token MockERC20
 * inherits with no storage before it: `_balances` at slot 0, `_allowances` at slot 1
 * (the build's storageLayout; test/contracts/TokenLayoutRegistry.t.sol checks it against real tokens).
 */
export const OZ_ERC20_LAYOUT = { balancesSlot: 0n, allowancesSlot: 1n } as const;

/**
 * Deploys a TokenLayoutRegistry owned by the deployer and registers `tokens` with the
 * OpenZeppelin ERC20 layout, so that the suite's declarations name exact token slots.
 */
export async function deployTokenLayouts(env: DriverEnv, tokens: readonly string[]): Promise<BaseContract> {
  const registry = await deployArtifact(env, "TokenLayoutRegistry", [await env.deployer.getAddress()]);
  for (const token of tokens) await call(registry, "register", token, OZ_ERC20_LAYOUT.balancesSlot, OZ_ERC20_LAYOUT.allowancesSlot);
  return registry;
}
