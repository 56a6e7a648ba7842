/**
 * `npx hardhat mainnet capture --rpc` against a REAL node: `hardhat node` started by the test on
 * 127.0.0.1 (fixed genesis, test/helpers/fixed-chain.config.ts) with real transactions mined on
 * it: a contract creation writing storage and transfers, 1-3 per block. A capture straight from
 * the node is the reference. Then the same range through a link that drops a connection, answers
 * HTTP 503, answers slowly, answers one JSON-RPC error (the run stops), and, in the resumed run,
 * restarts the node mid-capture (killed, started again on the same port, the same chain mined
 * again): the output must equal the reference, every block once, none missing.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAccessSetFile } from "../../src/access/io.js";
import { type Child, freePort, jsonRpc, killGroup, sleep, spawnCli, waitFor, within } from "../helpers/node.js";

const BLOCKS = 6;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, the fixed genesis date
/** Init code: CALLER PUSH1 0 SSTORE STOP (stores the creator at slot 0, deploys no code). */
const INIT_CODE = "0x3360005500";

describe("mainnet capture --rpc against a real hardhat node that fails and restarts", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "disjoint-capture-node-"));
  const children: ChildProcess[] = [];
  let nodePort = 0;
  let node: Child | undefined;
  const nodeUrl = () => `http://127.0.0.1:${nodePort}`;
  const nodeRpc = jsonRpc(nodeUrl);

  /** Starts the node and mines the same chain every time: fixed timestamps, the same transactions. */
  async function startChain(): Promise<void> {
    node = spawnCli(["--config", "test/helpers/fixed-chain.config.ts", "node", "--hostname", "127.0.0.1", "--port", String(nodePort)]);
    children.push(node.child);
    const n = node;
    await waitFor(
      async () => {
        if (n.child.exitCode !== null) throw new Error(`hardhat node exited:\n${n.output()}`);
        return nodeRpc("eth_chainId").catch(() => undefined);
      },
      90_000,
      () => `hardhat node:\n${n.output()}`,
    );
    const accounts = await nodeRpc<string[]>("eth_accounts");
    await nodeRpc("evm_setAutomine", [false]);
    for (let b = 1; b <= BLOCKS; b++) {
      await nodeRpc("evm_setNextBlockTimestamp", [T0 + 12 * b]);
      if (b === 1) await nodeRpc("eth_sendTransaction", [{ from: accounts[0], data: INIT_CODE }]);
      for (let k = 0; k < (b % 3) + 1; k++) {
        const to = `0x${(0xc0ffee00 + 16 * b + k).toString(16).padStart(40, "0")}`;
        await nodeRpc("eth_sendTransaction", [{ from: accounts[k + 1], to, value: `0x${(1000 * b + k).toString(16)}` }]);
      }
      await nodeRpc("evm_mine");
    }
  }

  async function capture(rpc: string, out: string): Promise<{ code: number | null | string; text: string }> {
    const run = spawnCli(["mainnet", "capture", "--rpc", rpc, "1", String(BLOCKS), "--out", out, "--retries", "8", "--backoff-ms", "250"], {
      CI: "true",
    });
    children.push(run.child);
    const code = await within(run.exited, 240_000);
    return { code, text: run.output() };
  }

  before(async function () {
    nodePort = await freePort();
    await startChain();
  });
  after(async function () {
    for (const c of children) killGroup(c);
    rmSync(dir, { recursive: true, force: true });
  });

  it("captures the same blocks through drops, 503s, slow answers, an error (then resume) and a node restart", async function () {
    const reference = join(dir, "reference.json");
    const direct = await capture(nodeUrl(), reference);
    expect(direct.code, direct.text).to.equal(0);
    const ref = await loadAccessSetFile(reference);
    expect(ref.blocks.map((b) => b.number)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(ref.blocks.map((b) => b.txs.length)).to.deep.equal([3, 3, 1, 2, 3, 1]);
    // The creation wrote its storage slot 0, seen through the node's prestate tracer.
    expect(ref.blocks[0].txs[0].storage.writes.map(([, slot]) => BigInt(slot))).to.deep.equal([0n]);
    const hashes = ref.blocks.map((b) => b.hash);

    // The link: request-numbered faults; from `restartAt` on, the node is restarted once.
    let seen = 0;
    let restartAt = Infinity;
    let restarting: Promise<void> | undefined;
    let rebuilt = false;
    const faults: string[] = [];
    let unreachable = 0;
    const link = createServer((req, res) => {
      const n = ++seen;
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        void (async () => {
          if (n === 3) return void (faults.push("drop"), req.socket.destroy());
          if (n === 5) return void (faults.push("503"), res.writeHead(503).end("busy"));
          if (n === 7) {
            faults.push("slow");
            await sleep(1500);
          }
          if (n === 30) {
            faults.push("rpc-error");
            const { id } = JSON.parse(body) as { id: number };
            return void res
              .writeHead(200, { "content-type": "application/json" })
              .end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: "internal error" } }));
          }
          if (n >= restartAt && restarting === undefined) {
            faults.push("restart");
            killGroup(node!.child);
            // Back only once its chain is rebuilt: before that the new node answers without the
            // blocks (as a node still syncing would), which the client cannot retry into.
            restarting = node!.exited.then(() => startChain()).then(() => void (rebuilt = true));
            restarting.catch(() => undefined); // awaited (and its error reported) after the capture
          }
          if (restarting !== undefined && !rebuilt) {
            unreachable++;
            return void res.writeHead(502).end("node restarting");
          }
          try {
            const answer = await fetch(nodeUrl(), { method: "POST", headers: { "content-type": "application/json" }, body });
            res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
          } catch {
            unreachable++;
            res.writeHead(502).end("node unreachable"); // the node is down: a transient failure for the client
          }
        })();
      });
    });
    await new Promise<void>((r) => link.listen(0, "127.0.0.1", r));
    const linkUrl = `http://127.0.0.1:${(link.address() as AddressInfo).port}`;
    try {
      const out = join(dir, "captured.json");
      const first = await capture(linkUrl, out);
      expect(first.code, first.text).to.not.equal(0);
      expect(first.text).to.contain("internal error");
      expect(faults).to.deep.equal(["drop", "503", "slow", "rpc-error"]);
      const parts = readdirSync(`${out}.parts`).sort();
      expect(parts.length, "blocks captured before the error are kept").to.be.greaterThan(0);
      expect(existsSync(out)).to.equal(false);

      restartAt = seen + 4; // a few requests into the resumed run
      const second = await capture(linkUrl, out);
      expect(second.code, second.text).to.equal(0);
      expect(faults).to.deep.equal(["drop", "503", "slow", "rpc-error", "restart"]);
      await restarting;
      expect(unreachable, "requests that found the node down, retried until it was back").to.be.greaterThan(0);
      expect(second.text).to.match(
        new RegExp(`captured ${BLOCKS} block\\(s\\), 13 txs from .*\\(${parts.length} resumed from partial files\\)`),
      );
      // The restarted node mined the same chain.
      for (let b = 1; b <= BLOCKS; b++)
        expect((await nodeRpc<{ hash: string }>("eth_getBlockByNumber", [`0x${b.toString(16)}`, false])).hash).to.equal(hashes[b - 1]);

      const got = await loadAccessSetFile(out);
      expect(
        got.blocks.map((b) => b.number),
        "every block once, in order",
      ).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(got.blocks).to.deep.equal(ref.blocks);
      expect(existsSync(`${out}.parts`)).to.equal(false);
    } finally {
      link.closeAllConnections();
      await new Promise((r) => link.close(r));
    }
  });
});
