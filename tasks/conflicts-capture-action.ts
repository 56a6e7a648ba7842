import { UsageError } from "../src/errors.js";
import { asUserErrors } from "./user-error.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { saveAccessSetFile } from "../src/access/index.js";
import { BalSource } from "../src/capture/bal.js";
import { WorkloadSource, type TxRequest } from "../src/capture/rpc.js";
import { captureFile } from "../src/capture/source.js";
import { applyAddressBook, ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import type { CaptureMethod } from "../src/capture/rpc.js";
import { sampleWorkload } from "../src/capture/sample-workload.js";
import { deploySampleTargets } from "./sample-targets.js";

interface Args {
  source: string;
  out: string;
  requests: string;
  txs: number;
  blockSize: number;
  method: string;
  addressBook: string;
  noDeclared: boolean;
  noDecode: boolean;
  coinbase: string;
  block: number;
  indexBase: string;
  inputs: string[];
}

function parseRequests(json: unknown, file: string): TxRequest[] {
  if (!Array.isArray(json)) throw new UsageError(`${file}: expected a JSON array of transaction requests`);
  return json.map((r: any, i: number) => {
    if (typeof r?.from !== "string") throw new UsageError(`${file}: [${i}].from: missing sender address`);
    const req: TxRequest = { from: r.from };
    if (r.to !== undefined && r.to !== null) req.to = String(r.to);
    if (r.data !== undefined) req.data = String(r.data);
    if (r.value !== undefined) req.value = BigInt(r.value);
    if (r.gas !== undefined) req.gas = BigInt(r.gas);
    if (typeof r.function === "string") req.function = r.function;
    return req;
  });
}

/**
 * --method: auto picks re-execution on an in-process (EDR) network, whose state at any past
 * block the re-execution reads, and traces elsewhere (an external node may lack old state).
 */
export function captureMethod(
  option: string,
  config: { type: string; hardfork?: string },
  networkName: string,
): { method: CaptureMethod; hardfork?: string } {
  const inProcess = config.type === "edr-simulated";
  const hardfork = inProcess ? config.hardfork : undefined;
  if (option === "trace") return { method: "trace" };
  if (option === "reexec" || (option === "auto" && inProcess)) return { method: "reexec", ...(hardfork ? { hardfork } : {}) };
  if (option === "auto") return { method: "trace" };
  throw new UsageError(`--method must be auto, reexec or trace (got ${option}) for network ${networkName}`);
}

async function conflictsCaptureBody(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  let file;
  if (args.source === "bal") {
    if (args.inputs.length === 0) throw new UsageError("conflicts capture --source bal: give one or more BAL files");
    const base = args.indexBase === "auto" ? "auto" : args.indexBase === "0" ? 0 : args.indexBase === "1" ? 1 : null;
    if (base === null) throw new UsageError(`--index-base must be auto, 0 or 1 (got ${args.indexBase})`);
    const files = await Promise.all(args.inputs.map(async (name) => ({ name, bytes: await readFile(name) })));
    const source = new BalSource(files, {
      indexBase: base,
      ...(args.coinbase ? { coinbase: args.coinbase } : {}),
      ...(args.block >= 0 ? { number: args.block } : {}),
      chainId: 1,
    });
    file = await captureFile(source);
    for (const n of source.conversionNotes()) console.log(`block ${n}`);
  } else if (args.source === "workload") {
    const conn = await hre.network.getOrCreate();
    const { ethers, provider } = conn;
    const method = captureMethod(args.method, conn.networkConfig, conn.networkName);
    const book = args.noDecode ? undefined : new ContractBook(await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info")));
    if (book && args.addressBook) applyAddressBook(book, JSON.parse(await readFile(args.addressBook, "utf8")), args.addressBook);
    let requests: TxRequest[];
    let description: string;
    if (args.requests) {
      requests = parseRequests(JSON.parse(await readFile(args.requests, "utf8")), args.requests);
      description = `workload ${args.requests} on network ${conn.networkName}`;
    } else {
      const targets = await deploySampleTargets(ethers);
      requests = sampleWorkload(targets, args.txs);
      description = `sample workload (Counter.increment/bump, ERC20Mock.transfer), ${args.txs} txs on network ${conn.networkName}`;
    }
    const started = performance.now();
    const source = new WorkloadSource(provider, requests, {
      description,
      ...(args.blockSize > 0 ? { blockSize: args.blockSize } : {}),
      declared: !args.noDeclared,
      ...(book ? { book } : {}),
      method: method.method,
      ...(method.hardfork ? { hardfork: method.hardfork } : {}),
    });
    file = await captureFile(source);
    const secs = (performance.now() - started) / 1000;
    console.log(
      `captured ${requests.length} txs in ${file.blocks.length} block(s) by ${method.method === "reexec" ? "re-execution" : "prestate traces"} in ${secs.toFixed(2)} s (${(requests.length / secs).toFixed(1)} txs/s)`,
    );
  } else if (args.source === "replay") {
    // A corpus block re-executed offline (src/replay): the same engine as `mainnet replay`.
    if (args.block < 0) throw new UsageError("conflicts capture --source replay: give --block N (a block under fixtures/mainnet/)");
    const { replayCorpusBlock, toAccessSetFile } = await import("../src/replay/index.js");
    const r = await replayCorpusBlock(path.join(hre.config.paths.root, "fixtures", "mainnet"), args.block);
    file = toAccessSetFile([r.access], `mainnet block ${args.block}, replayed offline (${r.hardfork})`);
    console.log(`replayed block ${args.block}: ${r.txs.length} txs, gas ${r.gasUsed} matches the header${r.receiptsRootChecked ? ", receipts root matches" : ""}`);
  } else {
    throw new UsageError(`--source must be workload, bal or replay (got ${args.source})`);
  }
  await saveAccessSetFile(args.out, file);
  const txs = file.blocks.reduce((n, b) => n + b.txs.length, 0);
  console.log(`wrote ${args.out}: ${file.blocks.length} block(s), ${txs} transaction(s)`);
}

export default async function conflictsCapture(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("conflicts capture", () => conflictsCaptureBody(args, hre));
}
