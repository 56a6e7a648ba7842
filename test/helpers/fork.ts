/**
 * Offline mainnet fork tests. `startFork()` serves a corpus block's recorded state on a local
 * JSON-RPC server and opens a Hardhat network connection forked from it:
 *
 *   const fork = await startFork();          // fork at block 12,243,999 with the state before 12,244,000
 *   const holder = await fork.impersonate(USDC_HOLDER);
 *   ...
 *   await fork.close();                       // in after()
 *
 * With MAINNET_RPC_URL set, the server proxies to that node instead and saves every answer to
 * fixtures/mainnet/<N>/rpc-recording.json.gz, so the same test then runs offline. Only state the
 * recording holds can be read: accounts and slots of the block's pre-state, plus recorded answers;
 * anything else is an error naming the request. See docs/replay.md.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { computeAddress } from "ethers";
import { artifacts, network } from "hardhat";
import {
  loadRecording,
  loadSynthesizedRecording,
  startRecordedRpc,
  type RecordedRpcServer,
  type Recording,
} from "../../src/replay/index.js";

/** The fork block: 12,243,999 (its header is in the corpus), with the pre-state of block 12,244,000. */
export const FORK_BLOCK = 12_243_999;
const CORPUS = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));

export interface Fork {
  server: RecordedRpcServer;
  recording: Recording;
  connection: Awaited<ReturnType<typeof network.create>>;
  ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  /** Impersonates an address and returns its signer. */
  impersonate(address: string): Promise<Awaited<ReturnType<Fork["ethers"]["getSigner"]>>>;
  /** Sets an address's ETH balance (local to the fork, no RPC needed). */
  setBalance(address: string, wei: bigint): Promise<void>;
  close(): Promise<void>;
}

/** A Cancun-era fork: block 19,932,702, header synthesized from 19,932,703, state = 19,932,703's pre-state. */
export const CANCUN_FORK_BLOCK = 19_932_702;

/**
 * Starts the recorded-state server for `forkBlock` (N-1) and a forked connection. The state is
 * N's pre-state. N-1's header is the corpus's real one, or, with `synthesizeHeader`,
 * synthesized from N's (`synthesizeParentHeader`, docs/replay.md): the corpus then needs only N.
 */
export async function startFork(forkBlock = FORK_BLOCK, hardfork = "berlin", opts: { synthesizeHeader?: boolean } = {}): Promise<Fork> {
  const blockDir = join(CORPUS, String(forkBlock));
  const stateDir = join(CORPUS, String(forkBlock + 1));
  const recordingFile = join(stateDir, "rpc-recording.json.gz");
  const recording = opts.synthesizeHeader
    ? await loadSynthesizedRecording(join(stateDir, "block.json.gz"), join(stateDir, "pre_state.json.gz"), recordingFile)
    : await loadRecording(join(blockDir, "block.json.gz"), join(stateDir, "pre_state.json.gz"), recordingFile);
  const upstream = process.env.MAINNET_RPC_URL;
  const server = await startRecordedRpc(recording, upstream ? { upstream } : {});
  // Hardhat's default accounts and coinbase are real mainnet addresses whose state the recording
  // does not hold: the fork uses fresh random keys and coinbase instead, which are empty on mainnet.
  const keys = [0, 1].map(() => `0x${randomBytes(32).toString("hex")}`);
  const coinbase = `0x${randomBytes(20).toString("hex")}`;
  server.assumeEmpty(coinbase, ...keys.map((k) => computeAddress(k)));
  const connection = await network.create({
    override: {
      forking: { enabled: true, url: server.url, blockNumber: forkBlock },
      accounts: keys.map((privateKey) => ({ privateKey, balance: 10n ** 21n })),
      coinbase,
      // the local chain continues the fork block's era (12,243,999 is Berlin: no EIP-1559, no PUSH0;
      // 19,932,702 is Cancun)
      hardfork,
    },
  });
  const { ethers } = connection;
  const provider = connection.provider;
  return {
    server,
    recording,
    connection,
    ethers,
    async impersonate(address: string) {
      await provider.request({ method: "hardhat_impersonateAccount", params: [address] });
      return ethers.getSigner(address);
    },
    async setBalance(address: string, wei: bigint) {
      await provider.request({ method: "hardhat_setBalance", params: [address, `0x${wei.toString(16)}`] });
    },
    async close() {
      await connection.close();
      await server.close();
    },
  };
}

/** The Cancun-era fork (synthesized header of 19,932,702, pre-state of 19,932,703), under Cancun rules. */
export function startCancunFork(): Promise<Fork> {
  return startFork(CANCUN_FORK_BLOCK, "cancun", { synthesizeHeader: true });
}

/**
 * The creation code of `inner` as `outer` embeds it (`type(inner).creationCode`): the same code
 * as inner's artifact except, possibly, the metadata hash at its end (solc hashes the metadata of
 * each compilation job), so CREATE2 addresses are computed from what `outer` really deploys.
 */
export async function embeddedCreationCode(outer: string, inner: string): Promise<string> {
  const code = (await artifacts.readArtifact(inner)).bytecode.slice(2);
  const host = (await artifacts.readArtifact(outer)).bytecode.slice(2);
  const metadata = (parseInt(code.slice(-4), 16) + 2) * 2; // CBOR length (last two bytes) + those two bytes, in hex digits
  const at = host.indexOf(code.slice(0, code.length - metadata));
  if (at < 0) throw new Error(`${outer} does not embed ${inner}'s creation code`);
  return "0x" + host.slice(at, at + code.length);
}
