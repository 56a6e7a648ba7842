import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startRecordedRpc,
  loadRecording,
  loadSynthesizedRecording,
  synthesizeParentHeader,
  type Recording,
} from "../../src/replay/index.js";
import { gunzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { AbiCoder, keccak256 } from "ethers";
import { fileURLToPath } from "node:url";

const CORPUS = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";

async function rpc(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}
const req = (method: string, params: unknown[], id = 1) => ({ jsonrpc: "2.0", id, method, params });

describe("recorded-state JSON-RPC server", function () {
  let recording: Recording;
  before(async function () {
    recording = await loadRecording(join(CORPUS, "12243999", "block.json.gz"), join(CORPUS, "12244000", "pre_state.json.gz"));
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
      const w = recording.state[WETH];
      expect(code.result).to.have.length(2 + 2 * w.code!.original_len);
      expect(BigInt(bal.result)).to.equal(BigInt(w.basic.balance));
      const [k, v] = Object.entries(w.storage)[0];
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
      expect(unknown.error.message).to.match(
        /not in the pre-state\); serve it with an upstream archive node \(npx hardhat fork serve --upstream URL; in the tests, MAINNET_RPC_URL\)/,
      );
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

  describe("synthesized fork block (N-1 from N)", function () {
    const readBlock = async (n: number) =>
      JSON.parse(gunzipSync(await readFile(join(CORPUS, String(n), "block.json.gz"))).toString("utf8"));

    it("matches the real parent where the corpus has it: number, hash, total difficulty", async function () {
      const real = await readBlock(15_537_393);
      const syn = synthesizeParentHeader(await readBlock(15_537_394));
      expect(syn.number).to.equal(real.number);
      expect(syn.hash).to.equal(real.hash);
      // the merge block adds no difficulty: its total difficulty is its parent's
      expect(syn.totalDifficulty).to.equal(real.totalDifficulty);
      expect(syn.transactions).to.deep.equal([]);
    });

    it("makes the next block's base fee and excess blob gas equal block N's (EIP-1559, EIP-4844)", async function () {
      const n = await readBlock(19_932_703);
      const syn = synthesizeParentHeader(n);
      expect(BigInt(syn.number)).to.equal(BigInt(n.number) - 1n);
      expect(syn.hash).to.equal(n.parentHash);
      expect(BigInt(syn.timestamp)).to.equal(BigInt(n.timestamp) - 12n);
      // EIP-1559: parent at its gas target => next base fee = parent base fee
      const gasLimit = BigInt(syn.gasLimit as string);
      const target = gasLimit / 2n;
      expect(BigInt(syn.gasUsed)).to.equal(target);
      expect(BigInt(syn.baseFeePerGas as string)).to.equal(BigInt(n.baseFeePerGas));
      // EIP-4844: next excess = parent excess + parent blob gas used - target (0x60000)
      expect(BigInt(syn.excessBlobGas as string) + BigInt(syn.blobGasUsed as string) - 0x60000n).to.equal(BigInt(n.excessBlobGas));
      expect(syn.withdrawals).to.deep.equal([]);
      expect(syn.parentBeaconBlockRoot).to.match(/^0x0{64}$/);
    });

    it("names a block without the needed fields", function () {
      expect(() =>
        synthesizeParentHeader({
          number: "0x5",
          hash: "0x",
          timestamp: "0x1",
          miner: "0x",
          gasUsed: "0x0",
          receiptsRoot: "0x",
          transactions: [],
        }),
      ).to.throw(/cannot synthesize the header of block 4: block 5 has no "gasLimit"/);
    });

    it("serves the synthesized header with N's pre-state", async function () {
      const rec = await loadSynthesizedRecording(join(CORPUS, "19932703", "block.json.gz"), join(CORPUS, "19932703", "pre_state.json.gz"));
      const s = await startRecordedRpc(rec);
      try {
        const tag = "0x130261e"; // 19,932,702
        const block = await rpc(s.url, req("eth_getBlockByNumber", [tag, true]));
        expect(block.result.hash).to.equal((await readBlock(19_932_703)).parentHash);
        const bal = await rpc(s.url, req("eth_getBalance", [WETH, tag]));
        expect(BigInt(bal.result)).to.equal(BigInt(rec.state[WETH].basic.balance));
      } finally {
        await s.close();
      }
    });
  });

  describe("assumeEmpty", function () {
    const slotOf = (key: string, p: number) => keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, p]));
    const nested = (k1: string, k2: string, p: number) =>
      keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [k2, slotOf(k1, p)]));

    it("reads mapping entries keyed by fresh addresses as zero, and nothing else", async function () {
      const s = await startRecordedRpc(recording);
      try {
        const tag = "0xbad41f";
        const fresh = "0x00000000000000000000000000000000deadbeef";
        const fresh2 = "0x00000000000000000000000000000000cafebabe";
        const holder = Object.keys(recording.state).find((a) => a !== WETH)!;
        const get = async (slot: string) => rpc(s.url, req("eth_getStorageAt", [WETH, slot, tag]));
        // before: unknown
        expect((await get(slotOf(fresh, 3))).error.message).to.contain("is not in the recording");
        s.assumeEmpty(fresh, fresh2);
        for (const slot of [
          slotOf(fresh, 3),
          nested(holder, fresh, 4),
          nested(fresh, holder, 4),
          nested(fresh, fresh2, 4),
          nested(fresh2, fresh, 4),
        ]) {
          expect((await get(slot)).result).to.equal(`0x${"0".repeat(64)}`);
        }
        // a mapping entry of a real account, or a slot not derived from a fresh address, is still refused
        const unknown = Object.keys(recording.state).find((a) => recording.state[WETH].storage[slotOf(a, 3)] === undefined)!;
        expect((await get(slotOf(unknown, 3))).error.message).to.contain("is not in the recording");
        expect((await get("0x2")).error.message).to.contain("is not in the recording");
        // a pre-state account is not fresh
        expect(() => s.assumeEmpty(WETH)).to.throw(/is in the pre-state/);
      } finally {
        await s.close();
      }
    });
  });
});
