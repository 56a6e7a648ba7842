import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { checkCode, DeployParameterError, ignitionParameters, planSuite, stableJson } from "../deploy/config.js";
import Mocks from "../deploy/modules/Mocks.js";
import Suite from "../deploy/modules/Suite.js";
import { writeFileAtomic } from "../src/access/io.js";
import { asUserErrors } from "./user-error.js";

export interface SuiteDeployArgs {
  parameters: string;
  deploymentId: string;
  out: string;
  rpcUrl: string;
}

/** What `suite deploy` records per chain (deployments/<chainId>.json). */
export interface SuiteRecord {
  chainId: number;
  network: string;
  deploymentId: string;
  parameters: string;
  deployer: string;
  owner: string;
  contracts: Record<string, string>;
  pendingOwnership: string[];
}

const OWNABLE_ABI = ["function pendingOwner() view returns (address)", "function acceptOwnership()"];

/** Deploys the suite on `connection`; validates everything before the first transaction. */
export async function deploySuite(connection: NetworkConnection, args: SuiteDeployArgs, root: string, log: (s: string) => void = console.log): Promise<SuiteRecord> {
  const network = connection.networkName;
  const file = args.parameters !== "" ? args.parameters : path.join(root, "deploy", "parameters", `${network}.json`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new DeployParameterError(`cannot read parameters file ${file} (${why}); pass --parameters FILE or create deploy/parameters/${network}.json (see docs/deploy.md)`);
  }
  const plan = planSuite(json, file);

  const provider = connection.provider;
  const chainId = Number(await provider.request({ method: "eth_chainId" }));
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  if (accounts.length === 0) throw new DeployParameterError(`network ${network} has no account to deploy from; configure accounts for it in hardhat.config.ts`);
  const { getAddress } = await import("ethers");
  const deployer = getAddress(accounts[0]!);
  const owner = plan.owner === "deployer" ? deployer : plan.owner;
  await checkCode(plan, async (a) => (await provider.request({ method: "eth_getCode", params: [a, "latest"] })) as string, `network ${network} (chain ${chainId})`);
  if (plan.mocks !== undefined && chainId !== 31337 && chainId !== 1337) {
    throw new DeployParameterError(`${file}: the "local" section deploys mock tokens and a mock oracle, but chain ${chainId} is not a local chain; give real addresses for every token and the oracle`);
  }

  const deploymentId = args.deploymentId !== "" ? args.deploymentId : `disjoint-suite-${chainId}`;
  log(`suite deploy: network ${network} (chain ${chainId}), deployer ${deployer}, owner ${owner}, deployment ${deploymentId}`);
  const contracts: Record<string, string> = {};
  let mocks: { loanToken: string; collateralToken: string; oracle: string } | undefined;
  if (plan.mocks !== undefined) {
    const m = await connection.ignition.deploy(Mocks, { parameters: { DisjointMocks: plan.mocks }, deploymentId });
    mocks = { loanToken: await m.loanToken.getAddress(), collateralToken: await m.collateralToken.getAddress(), oracle: await m.oracle.getAddress() };
    contracts["mocks.loanToken"] = mocks.loanToken;
    contracts["mocks.collateralToken"] = mocks.collateralToken;
    contracts["mocks.oracle"] = mocks.oracle;
  }
  const parameters = ignitionParameters(plan, { owner, mocks });
  const s = await connection.ignition.deploy(Suite, { parameters, deploymentId });
  contracts["dex.factory"] = await s.factory.getAddress();
  contracts["dex.router"] = await s.router.getAddress();
  contracts["dex.pair"] = await s.pair.getAddress();
  contracts["lending.market"] = await s.market.getAddress();
  contracts["vault.vault"] = await s.vault.getAddress();

  // Ownable2Step: accept at once when the owner is one of our accounts; otherwise say who must.
  const pendingOwnership: string[] = [];
  const ours = new Set(accounts.map((a) => a.toLowerCase()));
  for (const key of ["lending.market", "vault.vault"]) {
    const c = await connection.ethers.getContractAt(OWNABLE_ABI, contracts[key]!);
    const pending = getAddress(await c.getFunction("pendingOwner")());
    if (pending !== owner) continue; // accepted earlier (a rerun), or not offered
    if (ours.has(owner.toLowerCase())) {
      const signer = await connection.ethers.getSigner(owner);
      await (await c.connect(signer).getFunction("acceptOwnership")()).wait();
    } else pendingOwnership.push(key);
  }

  const record: SuiteRecord = { chainId, network, deploymentId, parameters: path.relative(root, path.resolve(file)), deployer, owner, contracts, pendingOwnership };
  const outDir = path.resolve(root, args.out);
  await mkdir(outDir, { recursive: true });
  const outFile = path.join(outDir, `${chainId}.json`);
  await writeFileAtomic(outFile, stableJson(record));
  const width = Math.max(...Object.keys(contracts).map((k) => k.length));
  for (const k of Object.keys(contracts).sort()) log(`  ${k.padEnd(width)}  ${contracts[k]}`);
  for (const k of pendingOwnership) log(`  ${k}: ownership offered to ${owner}; the owner must call acceptOwnership()`);
  log(`wrote ${path.relative(root, outFile)}`);
  return record;
}

export default async function suiteDeployAction(args: SuiteDeployArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors(async () => {
    const connection = await hre.network.connect(args.rpcUrl !== "" ? { override: { url: args.rpcUrl } } : undefined);
    try {
      await deploySuite(connection, args, hre.config.paths.root);
    } finally {
      await connection.close();
    }
  });
}
