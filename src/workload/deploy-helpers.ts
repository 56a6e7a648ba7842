/** Deploying from artifacts and encoding calls, shared by the drivers. */
import { BaseContract, ContractFactory, Interface, parseUnits, type InterfaceAbi } from "ethers";
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

/** Mints `amount` of a BenchToken to each user (in batches) and lets `spender` spend it. */
export async function fundUsers(token: BaseContract, users: readonly string[], amount: bigint, spender: string) {
  for (let i = 0; i < users.length; i += 250) {
    await call(token, "fund", users.slice(i, i + 250), amount, spender);
  }
}
