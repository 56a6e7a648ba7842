import { resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { FORK_ACCOUNTS, FORK_COINBASE } from "../src/replay/fork-accounts.js";
import { loadForkRecording, redactUrl, startRecordedRpc, type RecordedRpcServer } from "../src/replay/index.js";
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
    if (args.port < 0 || args.port > 65_535)
      throw new UsageError(`--port ${args.port} is not a port; use 1..65535, or 0 for any free port`);
    const root = resolve(hre.config.paths.root, args.corpus);
    const recordingArg = args.recording !== "" ? resolve(args.recording) : undefined;
    const { recording, recordingFile, realParent } = await loadForkRecording(root, args.corpus, args.block, recordingArg);
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
