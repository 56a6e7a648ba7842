import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { FORK_ACCOUNTS, FORK_COINBASE } from "../src/replay/fork-accounts.js";
import {
  listCorpusBlocks,
  loadRecording,
  loadSynthesizedRecording,
  redactUrl,
  startRecordedRpc,
  type RecordedRpcServer,
} from "../src/replay/index.js";
import { UsageError } from "../src/errors.js";
import { asUserErrors } from "./user-error.js";

interface ForkServeArgs {
  block: number;
  port: number;
  upstream: string;
  corpus: string;
  recording: string;
}

export default async function forkServeAction(args: ForkServeArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  let server: RecordedRpcServer | undefined;
  await asUserErrors("fork serve", async () => {
    const root = resolve(hre.config.paths.root, args.corpus);
    const available = await listCorpusBlocks(root).catch(() => [] as number[]);
    if (args.block < 1)
      throw new UsageError(`give --block N, a block of the corpus (${available.length} in ${args.corpus}: ${available.join(", ")})`);
    const dir = join(root, String(args.block));
    if (!existsSync(join(dir, "pre_state.json.gz")) || !existsSync(join(dir, "block.json.gz"))) {
      throw new UsageError(
        `block ${args.block} is not in ${args.corpus} (it needs block.json.gz and pre_state.json.gz); shipped blocks: ${available.join(", ")}`,
      );
    }
    if (args.port < 0 || args.port > 65_535)
      throw new UsageError(`--port ${args.port} is not a port; use 1..65535, or 0 for any free port`);
    const recordingFile = args.recording !== "" ? resolve(args.recording) : join(dir, "rpc-recording.json.gz");
    const parent = join(root, String(args.block - 1), "block.json.gz");
    const realParent = existsSync(parent);
    const recording = realParent
      ? await loadRecording(parent, join(dir, "pre_state.json.gz"), recordingFile)
      : await loadSynthesizedRecording(join(dir, "block.json.gz"), join(dir, "pre_state.json.gz"), recordingFile);
    const seenMisses = new Set<string>();
    const s = await startRecordedRpc(recording, {
      port: args.port,
      ...(args.upstream !== "" ? { upstream: args.upstream } : {}),
      onMiss: (request, message) => {
        if (seenMisses.has(request)) return;
        seenMisses.add(request);
        console.error(`outside the recording: ${message}`);
      },
      onRecord: (request) => console.log(`recorded: ${request}`),
    });
    s.assumeEmpty(...FORK_ACCOUNTS, FORK_COINBASE);
    const fork = args.block - 1;
    console.log(
      `fork serve: the state before block ${args.block} (after block ${fork}; ${realParent ? "its real header" : "header synthesized from block " + args.block}), ${Object.keys(recording.state).length} accounts, ${Object.keys(recording.recorded).length} recorded answers`,
    );
    console.log(`fork serve: listening on ${s.url}`);
    console.log(`  hardhat: RECORDED_FORK_URL=${s.url} RECORDED_FORK_BLOCK=${fork} npx hardhat <task> --network recordedFork`);
    console.log(`  anvil:   anvil --fork-url ${s.url} --fork-block-number ${fork}`);
    console.log(`  ethers:  new JsonRpcProvider("${s.url}") (eth_call runs on the recorded state)`);
    console.log(
      args.upstream !== ""
        ? `fork serve: record mode: what the recording lacks is fetched from ${redactUrl(args.upstream)} and saved to ${recordingFile}`
        : `fork serve: requests outside the recording are refused and listed here; --upstream URL records them`,
    );
    console.log(`fork serve: accounts declared empty (the recordedFork network's): ${[...FORK_ACCOUNTS, FORK_COINBASE].join(", ")}`);
    console.log("fork serve: Ctrl-C stops");
    server = s;
  });
  if (server === undefined) return;
  const running = server;
  const signal = await new Promise<string>((done) => {
    process.once("SIGINT", () => done("SIGINT"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
  await running.close();
  console.log(
    `fork serve: stopped (${signal}): ${running.requests.length} requests, ${running.misses.length} outside the recording, ${running.recordedCount()} answers recorded`,
  );
}
