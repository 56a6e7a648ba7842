import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { captureMethod, parseRequests } from "../src/capture/requests.js";
import { WorkloadSource, type TxRequest } from "../src/capture/rpc.js";
import { sampleWorkload } from "../src/capture/sample-workload.js";
import { captureFile } from "../src/model/source.js";
import { applyAddressBook, ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { writeCapture } from "./capture-out.js";
import { deploySampleTargets } from "./sample-targets.js";
import { asUserErrors } from "./user-error.js";
import { createProgress } from "../src/report/progress.js";

interface Args {
  out: string;
  requests: string;
  txs: number;
  method: string;
  blockSize: number;
  addressBook: string;
  noDeclared: boolean;
  noDecode: boolean;
}

async function body(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const conn = await hre.network.getOrCreate();
  const method = captureMethod(args.method, conn.networkConfig, conn.networkName);
  const book = args.noDecode
    ? undefined
    : new ContractBook(await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info")));
  if (book && args.addressBook) applyAddressBook(book, JSON.parse(await readFile(args.addressBook, "utf8")), args.addressBook);
  let requests: TxRequest[];
  let description: string;
  if (args.requests) {
    requests = parseRequests(JSON.parse(await readFile(args.requests, "utf8")), args.requests);
    description = `workload ${args.requests} on network ${conn.networkName}`;
  } else {
    requests = sampleWorkload(await deploySampleTargets(conn.ethers), args.txs);
    description = `sample workload (Counter.increment/bump, MockERC20.transfer), ${args.txs} txs on network ${conn.networkName}`;
  }
  const started = performance.now();
  const bar = createProgress({ label: "capture", total: requests.length, unit: "txs" });
  const source = new WorkloadSource(conn.provider, requests, {
    description,
    ...(args.blockSize > 0 ? { blockSize: args.blockSize } : {}),
    declared: !args.noDeclared,
    ...(book ? { book } : {}),
    method: method.method,
    ...(method.hardfork ? { hardfork: method.hardfork } : {}),
    onProgress: (done, total) => bar.update(done, total),
  });
  const file = await captureFile(source).catch((e: unknown) => {
    bar.stop();
    throw e;
  });
  bar.finish();
  const secs = (performance.now() - started) / 1000;
  const how = method.method === "reexec" ? "re-execution" : "prestate traces";
  console.log(
    `captured ${requests.length} txs in ${file.blocks.length} block(s) by ${how} in ${secs.toFixed(2)} s (${(requests.length / secs).toFixed(1)} txs/s)`,
  );
  await writeCapture(args.out, file);
}

export default async function captureWorkload(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("conflicts capture workload", () => body(args, hre));
}
