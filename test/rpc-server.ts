import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRecordedRpc, loadRecording, type Recording } from "../src/replay/index.js";
import { fileURLToPath } from "node:url";

const CORPUS = fileURLToPath(new URL("../fixtures/mainnet", import.meta.url));
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";

async function rpc(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}
const req = (method: string, params: unknown[], id = 1) => ({ jsonrpc: "2.0", id, method, params });

describe("recorded-state JSON-RPC server", function () {
  let recording: Recording;
  before(async function () {
    recording = await loadRecording(
      join(CORPUS, "12243999", "block.json.gz"),
      join(CORPUS, "12244000", "pre_state.json.gz"),
    );
  });

  it("answers the fork block, accounts, code and storage from the pre-state, in batches too", async function () {
    const s = await startRecordedRpc(recording);
    try {
      const tag = "0xbad41f"; // 12,243,999
      const [chain, num, block, code, bal] = await rpc(s.url, [
        req("eth_chainId", [], 1),
        req("eth_blockNumber", [], 2),
        req("eth_getBlockByNumber", [tag, false], 3),
        req("eth_getCode", [WETH, tag], 4),
        req("eth_getBalance", [WETH, tag], 5),
      ]);
      expect(chain.result).to.equal("0x1");
      expect(num.result).to.equal(tag);
      expect(block.result.hash).to.equal(recording.forkBlock.hash);
      expect(typeof block.result.transactions[0]).to.equal("string");
      const w = recording.state[WETH]!;
      expect(code.result).to.have.length(2 + 2 * w.code!.original_len);
      expect(BigInt(bal.result)).to.equal(BigInt(w.basic.balance));
      const [k, v] = Object.entries(w.storage)[0]!;
      const st = await rpc(s.url, req("eth_getStorageAt", [WETH, k, tag]));
      expect(BigInt(st.result)).to.equal(BigInt(v));
    } finally {
      await s.close();
    }
  });

  it("refuses what is not recorded: other blocks, unknown accounts and slots, unknown methods", async function () {
    const s = await startRecordedRpc(recording);
    try {
      const other = await rpc(s.url, req("eth_getBalance", [WETH, "0x1"]));
      expect(other.error.message).to.match(/only the state at block 12243999 is recorded/);
      const unknown = await rpc(s.url, req("eth_getBalance", ["0x" + "12".repeat(20), "latest"]));
      expect(unknown.error.message).to.match(/not in the pre-state\); run the test once with MAINNET_RPC_URL/);
      const method = await rpc(s.url, req("eth_getLogs", [{}]));
      expect(method.error.message).to.contain("eth_getLogs([{}]) is not in the recording");
      expect(s.misses).to.have.length(3);
      s.assumeEmpty("0x" + "12".repeat(20));
      const empty = await rpc(s.url, req("eth_getBalance", ["0x" + "12".repeat(20), "latest"]));
      expect(empty.result).to.equal("0x0");
    } finally {
      await s.close();
    }
  });

  it("records from an upstream node, then answers the same requests offline", async function () {
    const upstream = createServer((r, res) => {
      let body = "";
      r.on("data", (c: Buffer) => (body += c));
      r.on("end", () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result: `${method}-answer` }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const dir = await mkdtemp(join(tmpdir(), "disjoint-rec-"));
    const file = join(dir, "rpc-recording.json.gz");
    try {
      const rec = { ...recording, recorded: {}, recordingFile: file };
      const live = await startRecordedRpc(rec, { upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
      expect((await rpc(live.url, req("eth_getLogs", [{ address: WETH }]))).result).to.equal("eth_getLogs-answer");
      await live.close();

      const offline = await startRecordedRpc(
        await loadRecording(join(CORPUS, "12243999", "block.json.gz"), join(CORPUS, "12244000", "pre_state.json.gz"), file),
      );
      expect((await rpc(offline.url, req("eth_getLogs", [{ address: WETH }]))).result).to.equal("eth_getLogs-answer");
      expect(offline.misses).to.deep.equal([]);
      await offline.close();
    } finally {
      upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
