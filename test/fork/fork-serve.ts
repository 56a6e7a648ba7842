/**
 * `npx hardhat fork serve` as a user runs it: a child process serving the recorded state before
 * block 19,932,703 (Cancun) on a loopback port. A plain ethers script (no Hardhat) reads a real
 * USDC balance through it by eth_call; the `recordedFork` network forks from it; a read outside
 * the recording is refused and listed. Record mode runs against a REAL node: `hardhat node`
 * started by the test on 127.0.0.1, with real transactions mined on it, behind a proxy that
 * drops connections, answers slowly and with HTTP errors; then the recording serves offline.
 * Every child runs in its own process group and is killed in `after`; every wait is bounded.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { AbiCoder, keccak256 } from "ethers";
import { FORK_ACCOUNTS } from "../../src/replay/fork-accounts.js";
import { loadSynthesizedRecording } from "../../src/replay/index.js";
import {
  freePort,
  jsonRpc,
  killGroup,
  sleep,
  spawnCli,
  spawnNode,
  startHardhatNode,
  waitFor,
  within,
  type Child,
} from "../helpers/node.js";

const BLOCK = 19_932_703;
const FORK = BLOCK - 1;
const CORPUS = join(process.cwd(), "fixtures", "mainnet", String(BLOCK));
const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
const HOLDER = "0x46340b20830761efd32832a74d7169b29feb9758"; // its balance slot (FiatToken slot 9) is in the pre-state
const NOT_RECORDED = "0x000000000000000000000000000000000000dead";

/** The plain ethers script: prints the fork block, the holder's balance, and what a read outside the recording answers. */
const ETHERS_SCRIPT = `
import { Contract, JsonRpcProvider } from "ethers";
const [url, usdc, holder, outside] = process.argv.slice(1);
const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
const token = new Contract(usdc, ["function balanceOf(address) view returns (uint256)"], provider);
const balance = await token.balanceOf(holder);
let refused = "";
await token.balanceOf(outside).catch((e) => (refused = e.info?.error?.message ?? e.message));
console.log(JSON.stringify({ block: await provider.getBlockNumber(), balance: balance.toString(), refused }));
`;

describe("fork serve: the recorded state of a shipped block as a JSON-RPC endpoint", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "disjoint-fork-serve-"));
  const children: ChildProcess[] = [];
  const servers: Server[] = [];

  async function serve(extra: string[], recording: string): Promise<{ run: Child; url: string }> {
    const run = spawnCli(["fork", "serve", "--block", String(BLOCK), "--port", "0", "--recording", recording, ...extra]);
    children.push(run.child);
    const url = await waitFor(
      () => {
        if (run.child.exitCode !== null) throw new Error(`fork serve exited (${run.child.exitCode}):\n${run.output()}`);
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1];
      },
      90_000,
      () => `fork serve to listen:\n${run.output()}`,
    );
    return { run, url };
  }

  /** Stops a serve child with Ctrl-C (SIGINT) and returns its output. */
  async function stop(s: { run: Child }): Promise<string> {
    s.run.child.kill("SIGINT");
    const code = await within(s.run.exited, 30_000);
    expect(code, s.run.output()).to.equal(0);
    return s.run.output();
  }

  after(async function () {
    for (const c of children) killGroup(c);
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves a fork a plain ethers script (no Hardhat) uses to read a real USDC balance, and names what is outside the recording", async function () {
    const s = await serve([], join(dir, "offline.json.gz"));
    expect(s.run.output()).to.contain(`anvil --fork-url ${s.url} --fork-block-number ${FORK}`);
    const script = spawnNode(["--input-type=module", "-e", ETHERS_SCRIPT, s.url, USDC, HOLDER, NOT_RECORDED]);
    children.push(script.child);
    const code = await within(script.exited, 60_000);
    expect(code, script.output()).to.equal(0);
    const got = JSON.parse(script.output().trim().split("\n").pop()!) as { block: number; balance: string; refused: string };

    // The balance the pre-state holds in USDC's balances mapping (slot 9), read independently.
    const recording = await loadSynthesizedRecording(join(CORPUS, "block.json.gz"), join(CORPUS, "pre_state.json.gz"));
    const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [HOLDER, 9]));
    const stored = BigInt(recording.state[USDC].storage[slot]);
    expect(stored > 0n).to.equal(true);
    expect(got.block).to.equal(FORK);
    expect(BigInt(got.balance)).to.equal(stored);
    expect(got.refused).to.match(
      /^eth_call\(.*\) is not in the recording \(the call reads storage 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48 0x[0-9a-f]{64}, outside the pre-state\); serve it with an upstream archive node/,
    );

    const out = await stop(s);
    expect(out).to.match(/outside the recording: eth_call\(/);
    expect(out).to.match(/fork serve: stopped \(SIGINT\): \d+ requests, 1 outside the recording, 0 answers recorded/);
    expect(existsSync(join(dir, "offline.json.gz")), "nothing recorded, nothing written").to.equal(false);
  });

  it("the recordedFork network forks from it: reads real USDC and sends transactions from its accounts", async function () {
    const s = await serve([], join(dir, "hardhat.json.gz"));
    expect(s.run.output()).to.contain(`RECORDED_FORK_URL=${s.url} RECORDED_FORK_BLOCK=${FORK} npx hardhat <task> --network recordedFork`);
    // What those two variables set, given to the named network's config here (the test process's env is read at config load).
    const connection = await network.create({
      network: "recordedFork",
      override: { forking: { enabled: true, url: s.url, blockNumber: FORK } },
    });
    try {
      const { ethers } = connection;
      expect(await ethers.provider.getBlockNumber()).to.equal(FORK);
      const [a] = await ethers.getSigners();
      expect(a!.address).to.equal(FORK_ACCOUNTS[0]);
      // A first block before any call: calls at "latest" run with the latest block's coinbase, and
      // the synthesized fork block's is the zero address, whose real account the pre-state lacks.
      await (await a!.sendTransaction({ to: HOLDER, value: 10n ** 18n })).wait(); // gas money
      const usdc = new ethers.Contract(
        USDC,
        ["function balanceOf(address) view returns (uint256)", "function transfer(address,uint256) returns (bool)"],
        a,
      );
      const before = (await usdc.balanceOf(HOLDER)) as bigint;
      expect(before > 0n).to.equal(true);
      await connection.provider.request({ method: "hardhat_impersonateAccount", params: [HOLDER] });
      const holder = await ethers.getSigner(HOLDER);
      await (await usdc.connect(holder).getFunction("transfer")(FORK_ACCOUNTS[1], 1_000_000n)).wait();
      expect(await usdc.balanceOf(FORK_ACCOUNTS[1])).to.equal(1_000_000n);
      expect(await usdc.balanceOf(HOLDER)).to.equal(before - 1_000_000n);
    } finally {
      await connection.close();
    }
    const out = await stop(s);
    // The one request outside the recording: the fee history the signer's fee estimate asks for
    // (the transactions went through with Hardhat's fallback), listed by the server.
    const outside = out.split("\n").filter((l) => l.startsWith("outside the recording: "));
    expect(outside.map((l) => /^outside the recording: (\w+)\(/.exec(l)?.[1])).to.deep.equal(["eth_feeHistory"]);
    expect(out).to.match(/fork serve: stopped \(SIGINT\): \d+ requests, 1 outside the recording, 0 answers recorded/);
  });

  it("record mode against a real hardhat node behind a faulty link: fetches what is missing, saves it, then serves it offline", async function () {
    const nodePort = await freePort();
    const node = await startHardhatNode(nodePort);
    children.push(node.child);
    const nodeUrl = `http://127.0.0.1:${nodePort}`;
    const nodeRpc = jsonRpc(() => nodeUrl);
    // Real transactions on the node: three transfers to a fresh account, one block each.
    const [from] = await nodeRpc<string[]>("eth_accounts");
    const to = "0x00000000000000000000000000000000c0ffee01";
    const hashes: string[] = [];
    for (const wei of [1000n, 2000n, 3000n])
      hashes.push(await nodeRpc<string>("eth_sendTransaction", [{ from, to, value: `0x${wei.toString(16)}` }]));
    // The node's chain reaches the fork block, so "the state at block FORK" is the node's.
    const height = Number(await nodeRpc<string>("eth_blockNumber"));
    await nodeRpc("hardhat_mine", [`0x${(FORK - height).toString(16)}`]);
    expect(Number(await nodeRpc<string>("eth_blockNumber"))).to.equal(FORK);
    const tag = `0x${FORK.toString(16)}`;
    const nodeBalance = await nodeRpc<string>("eth_getBalance", [to, tag]);
    expect(BigInt(nodeBalance)).to.equal(6000n);

    // A faulty link in front of the node: the first request's connection is dropped, the second
    // gets HTTP 503, the third waits 1.5 s; everything after passes straight through.
    let seen = 0;
    const link = createServer((req, res) => {
      const n = ++seen;
      if (n === 1) return req.socket.destroy();
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        if (n === 2) return void res.writeHead(503).end("busy");
        void (async () => {
          if (n === 3) await sleep(1500);
          const answer = await fetch(nodeUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
          res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
        })();
      });
    });
    servers.push(link);
    await new Promise<void>((r) => link.listen(0, "127.0.0.1", r));
    const linkUrl = `http://127.0.0.1:${(link.address() as AddressInfo).port}`;

    const file = join(dir, "recorded.json.gz");
    const live = await serve(["--upstream", linkUrl], file);
    const viaServe = jsonRpc(() => live.url);
    expect(await viaServe("eth_getBalance", [to, tag])).to.equal(nodeBalance);
    const tx = await viaServe<{ hash: string; value: string }>("eth_getTransactionByHash", [hashes[1]]);
    expect([tx.hash, BigInt(tx.value)]).to.deep.equal([hashes[1], 2000n]);
    // In the pre-state: answered locally, not fetched.
    expect(BigInt(await viaServe<string>("eth_getBalance", [HOLDER, tag]))).to.be.greaterThan(0n);
    // Never forwarded: a transaction.
    let refused = "";
    await viaServe("eth_sendRawTransaction", ["0x02"]).catch((e: Error) => (refused = e.message));
    expect(refused).to.contain("eth_sendRawTransaction is not a read-only method: record mode does not forward it");
    const out = await stop(live);
    expect(out).to.match(/recorded: eth_getBalance/);
    expect(out).to.match(/fork serve: stopped \(SIGINT\): \d+ requests, \d+ outside the recording, 2 answers recorded/);
    expect(seen, "the link saw the dropped, the refused and the slow attempt, then the retries").to.be.greaterThanOrEqual(4);

    // The node goes away; the recording answers the same requests offline.
    killGroup(node.child);
    await node.exited;
    const offline = await serve([], file);
    const viaOffline = jsonRpc(() => offline.url);
    expect(await viaOffline("eth_getBalance", [to, tag])).to.equal(nodeBalance);
    expect((await viaOffline<{ hash: string }>("eth_getTransactionByHash", [hashes[1]])).hash).to.equal(hashes[1]);
    expect(await stop(offline)).to.match(/0 outside the recording, 0 answers recorded/);
  });
});
