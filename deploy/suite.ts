/**
 * `suite deploy`'s deployment logic: parameters, pre-flight checks on the target chain, the
 * Ignition deployments (mocks, suite), journal repair on resume, token registration and
 * ownership. Works on any open network connection (a task's --network, an in-process chain, a
 * fork); `tasks/suite-deploy-action.ts` only opens the connection and calls `deploySuite`.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ArtifactManager } from "hardhat/types/artifacts";
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import { writeFileAtomic } from "../src/access/io.js";
import type { Progress } from "../src/report/progress.js";
import {
  checkCode,
  DeployParameterError,
  ignitionParameters,
  planSuite,
  stableJson,
  tokenLayoutsToRegister,
  type SuitePlan,
} from "./config.js";
import ChainlinkOracle from "./modules/ChainlinkOracle.js";
import Mocks from "./modules/Mocks.js";
import { checkChainlinkFeed, checkTokenDecimals } from "./oracle.js";
import { repairOrphans } from "./orphans.js";
import Suite, { SuiteWithBatch } from "./modules/Suite.js";

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

/** Futures an Ignition journal shows started (deploy, call, send) but with no transaction requested. */
export function unsentFutures(journal: string): string[] {
  const started = new Set<string>();
  for (const line of journal.split("\n")) {
    if (line.trim() === "") continue;
    const msg = JSON.parse(line) as { type: string; futureId?: string };
    if (msg.futureId === undefined) continue;
    if (/^(DEPLOYMENT|CALL|SEND_DATA)_EXECUTION_STATE_INITIALIZE$/.test(msg.type)) started.add(msg.futureId);
    else if (msg.type === "NETWORK_INTERACTION_REQUEST" || msg.type === "WIPE_APPLY" || msg.type.endsWith("_EXECUTION_STATE_COMPLETE"))
      started.delete(msg.futureId);
  }
  return [...started];
}

/**
 * A run killed between Ignition's "future started" and "network interaction requested" journal
 * entries leaves a future Ignition cannot resume (an invariant error on the rerun). Such a future
 * sent nothing, so clearing it with Ignition's own wipe is safe: the rerun starts it afresh.
 */
async function clearUnsentFutures(deploymentDir: string, artifacts: ArtifactManager, log: (s: string) => void): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(deploymentDir, "journal.jsonl"), "utf8");
  } catch {
    return; // a new deployment
  }
  const started = unsentFutures(text);
  if (started.length === 0) return;
  const { wipe } = await import("@nomicfoundation/ignition-core");
  const { HardhatArtifactResolver } = await import("@nomicfoundation/hardhat-ignition/helpers");
  for (const id of started) {
    await wipe(deploymentDir, new HardhatArtifactResolver(artifacts), id);
    log(`  ${id}: started by an interrupted run but nothing was sent; cleared (ignition wipe) so that it runs again`);
  }
}

const OWNABLE_ABI = ["function pendingOwner() view returns (address)", "function acceptOwnership()"];
const REGISTRY_ABI = [
  "function owner() view returns (address)",
  "function pendingOwner() view returns (address)",
  "function transferOwnership(address)",
  "function layoutOf(address) view returns (bool registered, uint256 balancesSlot, uint256 allowancesSlot)",
  "function register(address token, uint256 balancesSlot, uint256 allowancesSlot)",
];

/** deploy/parameters/<network>.json; local chains (in-process networks, localhost) fall back to local.json. */
async function defaultParameters(root: string, network: string, inProcess: boolean): Promise<string> {
  const own = path.join(root, "deploy", "parameters", `${network}.json`);
  if (!inProcess && network !== "localhost") return own;
  return (await stat(own).catch(() => undefined)) !== undefined ? own : path.join(root, "deploy", "parameters", "local.json");
}

/**
 * Deploys the suite on `connection` (any open connection: the task's `--network`, an in-process
 * network, a fork); validates everything before the first transaction.
 */
/** Steps `deploySuite` reports to its progress: checks, mocks, oracle, suite, token layouts, ownership, record. */
export const DEPLOY_STEPS = 7;

export async function deploySuite<T extends ChainType | string>(
  connection: NetworkConnection<T>,
  args: SuiteDeployArgs,
  root: string,
  log: (s: string) => void = console.log,
  journals?: { ignitionDir: string; artifacts: ArtifactManager },
  progress?: Pick<Progress, "tick">,
): Promise<SuiteRecord> {
  const network = connection.networkName;
  const file =
    args.parameters !== "" ? args.parameters : await defaultParameters(root, network, connection.networkConfig.type === "edr-simulated");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new DeployParameterError(
      `cannot read parameters file ${file} (${why}); pass --parameters FILE or create deploy/parameters/${network}.json (see docs/deploy.md)`,
    );
  }
  const plan = planSuite(json, file);

  const provider = connection.provider;
  const chainId = Number(await provider.request({ method: "eth_chainId" }));
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  if (accounts.length === 0)
    throw new DeployParameterError(`network ${network} has no account to deploy from; configure accounts for it in hardhat.config.ts`);
  const { getAddress } = await import("ethers");
  const deployer = getAddress(accounts[0]);
  const owner = plan.owner === "deployer" ? deployer : plan.owner;
  await checkCode(
    plan,
    async (a) => (await provider.request({ method: "eth_getCode", params: [a, "latest"] })) as string,
    `network ${network} (chain ${chainId})`,
  );
  if (plan.mocks !== undefined && chainId !== 31337 && chainId !== 1337) {
    throw new DeployParameterError(
      `${file}: the "local" section deploys mock tokens and a mock oracle, but chain ${chainId} is not a local chain; give real addresses for every token and the oracle`,
    );
  }

  if (plan.chainlink !== undefined) {
    const latest = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string };
    const reader = {
      call: async (to: string, data: string) =>
        (await provider.request({ method: "eth_call", params: [{ to, data }, "latest"] })) as string,
      now: BigInt(latest.timestamp),
      chain: `network ${network} (chain ${chainId})`,
    };
    const given = (s: SuitePlan["lending"]["loanToken"]) => (s.kind === "given" ? s.address : undefined);
    const feed = await checkChainlinkFeed(plan.chainlink, reader);
    log(
      `suite deploy: feed ${plan.chainlink.feed} answers ${feed.answer} (${feed.decimals} decimals), updated ${feed.age} s ago (heartbeat ${plan.chainlink.heartbeat} s)`,
    );
    await checkTokenDecimals(plan.chainlink, reader, {
      collateralToken: given(plan.lending.collateralToken),
      loanToken: given(plan.lending.loanToken),
    });
  }

  const deploymentId = args.deploymentId !== "" ? args.deploymentId : `disjoint-suite-${chainId}`;
  log(`suite deploy: network ${network} (chain ${chainId}), deployer ${deployer}, owner ${owner}, deployment ${deploymentId}`);
  const contracts: Record<string, string> = {};
  // Journals live on disk for every network but the in-process one.
  if (journals !== undefined && connection.networkConfig.type !== "edr-simulated") {
    for (const id of [deploymentId, `${deploymentId}-mocks`, `${deploymentId}-oracle`]) {
      const dir = path.join(journals.ignitionDir, "deployments", id);
      await clearUnsentFutures(dir, journals.artifacts, log);
      await repairOrphans(dir, id, deployer, (method, params) => provider.request({ method, params }), log);
    }
  }
  progress?.tick(); // checks done
  let mocks: { loanToken: string; collateralToken: string; oracle: string } | undefined;
  if (plan.mocks !== undefined) {
    // A deployment of its own: Ignition judges a deployment by every future in its journal, so
    // rerunning the mocks inside the suite's deployment would fail while the suite is half done.
    const m = await connection.ignition.deploy(Mocks, { parameters: { DisjointMocks: plan.mocks }, deploymentId: `${deploymentId}-mocks` });
    mocks = {
      loanToken: await m.loanToken.getAddress(),
      collateralToken: await m.collateralToken.getAddress(),
      oracle: await m.oracle.getAddress(),
    };
    contracts["mocks.loanToken"] = mocks.loanToken;
    contracts["mocks.collateralToken"] = mocks.collateralToken;
    contracts["mocks.oracle"] = mocks.oracle;
  }
  progress?.tick(); // mocks
  let chainlinkOracle: string | undefined;
  if (plan.chainlink !== undefined) {
    // Its own deployment too, for the same reason as the mocks.
    const c = plan.chainlink;
    const o = await connection.ignition.deploy(ChainlinkOracle, {
      parameters: { DisjointChainlinkOracle: { ...c } },
      deploymentId: `${deploymentId}-oracle`,
    });
    chainlinkOracle = await o.oracle.getAddress();
    contracts["lending.oracle"] = chainlinkOracle;
  }
  const parameters = ignitionParameters(plan, { owner, mocks, chainlinkOracle });
  progress?.tick(); // oracle
  // With `dex.batchShards`, the same suite plus the batch pool (same deployment, same future ids).
  let batchPool: string | undefined;
  let s;
  if (plan.dex.batch !== undefined) {
    const withBatch = await connection.ignition.deploy(SuiteWithBatch, { parameters, deploymentId });
    batchPool = await withBatch.batchPool.getAddress();
    s = withBatch;
  } else {
    s = await connection.ignition.deploy(Suite, { parameters, deploymentId });
  }
  progress?.tick(); // suite
  contracts["dex.factory"] = await s.factory.getAddress();
  contracts["dex.router"] = await s.router.getAddress();
  contracts["dex.pair"] = await s.pair.getAddress();
  if (batchPool !== undefined) contracts["dex.batchPool"] = batchPool;
  contracts["lending.market"] = await s.market.getAddress();
  contracts["vault.vault"] = await s.vault.getAddress();
  contracts["tokens.layouts"] = await s.registry.getAddress();

  // Token layouts: write-once, so a rerun skips what is registered and stops on a different entry.
  const registry = await connection.ethers.getContractAt(REGISTRY_ABI, contracts["tokens.layouts"]);
  for (const e of tokenLayoutsToRegister(plan, mocks)) {
    const [registered, b, a] = (await registry.getFunction("layoutOf")(e.token)) as [boolean, bigint, bigint];
    if (registered) {
      if (b !== e.balancesSlot || a !== e.allowancesSlot) {
        throw new DeployParameterError(
          `tokenLayouts: ${e.token} is registered with slots (${b}, ${a}), the file says (${e.balancesSlot}, ${e.allowancesSlot}); entries are write-once: fix the file, or deploy a new registry (a new --deployment-id)`,
        );
      }
      continue;
    }
    await (await registry.getFunction("register")(e.token, e.balancesSlot, e.allowancesSlot)).wait();
    log(`  registered the layout of ${e.token}: balances slot ${e.balancesSlot}, allowances slot ${e.allowancesSlot}`);
  }
  // The registry's owner registers further tokens later: offer it to `owner` like the products.
  if (
    getAddress(await registry.getFunction("owner")()) === deployer &&
    owner !== deployer &&
    getAddress(await registry.getFunction("pendingOwner")()) !== owner
  ) {
    await (await registry.getFunction("transferOwnership")(owner)).wait();
  }

  progress?.tick(); // token layouts
  // Ownable2Step: accept at once when the owner is one of our accounts; otherwise say who must.
  const pendingOwnership: string[] = [];
  const ours = new Set(accounts.map((a) => a.toLowerCase()));
  for (const key of ["lending.market", "tokens.layouts", "vault.vault"]) {
    const c = await connection.ethers.getContractAt(OWNABLE_ABI, contracts[key]);
    const pending = getAddress(await c.getFunction("pendingOwner")());
    if (pending !== owner) continue; // accepted earlier (a rerun), or not offered
    if (ours.has(owner.toLowerCase())) {
      const signer = await connection.ethers.getSigner(owner);
      await (await c.connect(signer).getFunction("acceptOwnership")()).wait();
    } else pendingOwnership.push(key);
  }

  progress?.tick(); // ownership
  const record: SuiteRecord = {
    chainId,
    network,
    deploymentId,
    parameters: path.relative(root, path.resolve(file)),
    deployer,
    owner,
    contracts,
    pendingOwnership,
  };
  const outDir = path.resolve(root, args.out);
  await mkdir(outDir, { recursive: true });
  const outFile = path.join(outDir, `${chainId}.json`);
  await writeFileAtomic(outFile, stableJson(record));
  const width = Math.max(...Object.keys(contracts).map((k) => k.length));
  for (const k of Object.keys(contracts).sort()) log(`  ${k.padEnd(width)}  ${contracts[k]}`);
  for (const k of pendingOwnership) log(`  ${k}: ownership offered to ${owner}; the owner must call acceptOwnership()`);
  log(`wrote ${outFile.startsWith(root + path.sep) ? path.relative(root, outFile) : outFile}`);
  progress?.tick(); // record
  return record;
}
