import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { keccak256, AbiCoder } from "ethers";
import { loadAccessSetFile } from "../../src/access/io.js";
import { AccessSetFile } from "../../src/access/format.js";
import {
  ACCESS_SET_FILE_NAME,
  listCorpusBlocks,
  loadCorpusBlock,
  replayBlock,
  replayCorpusBlock,
  ReplayMismatchError,
  toAccessSetFile,
  type CorpusBlock,
} from "../../src/replay/index.js";

const CORPUS = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));
const load = (n: number) => loadCorpusBlock(join(CORPUS, String(n)));
const clone = <T>(x: T): T => structuredClone(x);

async function expectMismatch(p: Promise<unknown>): Promise<ReplayMismatchError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ReplayMismatchError);
    return e as ReplayMismatchError;
  }
  throw new Error("expected a ReplayMismatchError, the replay succeeded");
}

const mappingSlot = (key: string, slot: number) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot])).toLowerCase();

describe("mainnet block replay", function () {
  this.timeout(120_000);

  it("reproduces a Byzantium block's gasUsed and receiptsRoot, and the committed access sets", async function () {
    const r = await replayCorpusBlock(CORPUS, 4_370_000);
    expect(r.hardfork).to.equal("byzantium");
    expect(r.receiptsRootChecked).to.equal(true);
    const block = await load(4_370_000);
    expect(r.gasUsed).to.equal(Number(BigInt(block.block.gasUsed)));
    expect(r.receiptsRoot).to.equal(block.block.receiptsRoot);
    const committed = await loadAccessSetFile(join(CORPUS, "4370000", ACCESS_SET_FILE_NAME));
    expect(committed.blocks[0]).to.deep.equal(r.access);
    expect(r.txs.reduce((s, t) => s + t.gasUsed, 0)).to.equal(r.access.gasUsed);
  });

  it("ships valid access sets for every corpus block, with the header's gas and tx hashes", async function () {
    const numbers = await listCorpusBlocks(CORPUS);
    expect(numbers.length).to.be.greaterThanOrEqual(50);
    for (const n of numbers) {
      const file = await loadAccessSetFile(join(CORPUS, String(n), ACCESS_SET_FILE_NAME));
      const { block } = await load(n);
      const b = file.blocks[0];
      expect(file.source.kind).to.equal("replay");
      expect(b.number).to.equal(n);
      expect(b.txs.reduce((s, t) => s + t.gasUsed, 0)).to.equal(Number(BigInt(block.gasUsed)));
      expect(b.txs.map((t) => t.hash)).to.deep.equal(block.transactions.map((t) => t.hash.toLowerCase()));
    }
  });

  it("replays a Cancun block with a point-evaluation call and a blob transaction", async function () {
    const r = await replayCorpusBlock(CORPUS, 19_932_703);
    expect(r.hardfork).to.equal("cancun");
    expect(r.kzgProofsAssumed).to.equal(1);
    expect(AccessSetFile.safeParse(toAccessSetFile([r.access], "t")).success).to.equal(true);
  });

  it("checks only gas before Byzantium (receipts hold intermediate state roots)", async function () {
    const r = await replayCorpusBlock(CORPUS, 46_147);
    expect(r.receiptsRootChecked).to.equal(false);
    expect(r.access.txs).to.have.length(1);
    expect(r.access.txs[0].gasUsed).to.equal(21_000);
  });

  describe("access sets", function () {
    let block: CorpusBlock;
    let txs: Awaited<ReturnType<typeof replayBlock>>["access"]["txs"];
    before(async function () {
      block = await load(19_923_400);
      txs = (await replayBlock(block)).access.txs;
    });

    it("records a USDT transfer as reads and writes of both balance slots", async function () {
      const tx = txs[1];
      const usdt = "0xdac17f958d2ee523a2206206994597c13d831ec7";
      expect(tx.to).to.equal(usdt);
      expect(tx.selector).to.equal("0xa9059cbb");
      const input = block.block.transactions[1].input;
      const recipient = `0x${input.slice(34, 74)}`;
      const fromSlot = mappingSlot(tx.from!, 2);
      const toSlot = mappingSlot(recipient, 2);
      expect(tx.storage.writes).to.deep.include([usdt, fromSlot]);
      expect(tx.storage.writes).to.deep.include([usdt, toSlot]);
      expect(tx.storage.reads).to.deep.include([usdt, fromSlot]);
      // sender pays gas and bumps its nonce; the token's code is read
      expect(tx.accounts.writes).to.deep.include([tx.from, "nonce"]);
      expect(tx.accounts.writes).to.deep.include([tx.from, "balance"]);
      expect(tx.accounts.reads).to.deep.include([usdt, "code"]);
      // no slot is both an unchanged read and a write listed twice
      expect(new Set(tx.storage.writes.map((k) => k.join())).size).to.equal(tx.storage.writes.length);
    });

    it("records a plain ETH transfer as account accesses only", async function () {
      const tx = txs[2];
      expect(block.block.transactions[2].input).to.equal("0x");
      expect(tx.storage.reads).to.deep.equal([]);
      expect(tx.storage.writes).to.deep.equal([]);
      expect(tx.accounts.writes).to.deep.include([tx.to, "balance"]);
      expect(tx.accounts.writes).to.deep.include([tx.from, "balance"]);
      expect(tx.accounts.reads).to.deep.include([tx.from, "nonce"]);
      expect(tx.gasUsed).to.equal(21_000);
    });

    it("writes the coinbase balance in every transaction that pays a tip", async function () {
      const coinbase = block.block.miner.toLowerCase();
      const paying = txs.filter((t) => t.accounts.writes.some(([a, f]) => a === coinbase && f === "balance"));
      expect(paying.length).to.be.greaterThan(txs.length / 2);
    });
  });

  describe("fidelity errors", function () {
    let block: CorpusBlock;
    before(async function () {
      block = await load(19_923_400);
    });

    it("rejects a gasUsed that differs from the header", async function () {
      const b = clone(block);
      b.block.gasUsed = `0x${(BigInt(b.block.gasUsed) + 1n).toString(16)}`;
      const e = await expectMismatch(replayBlock(b));
      expect(e.field).to.equal("gasUsed");
      expect(e.message).to.match(/gas used \d+ != header gasUsed \d+/);
    });

    it("rejects a receipts root that differs from the header", async function () {
      const b = clone(block);
      b.block.receiptsRoot = `0x${"11".repeat(32)}`;
      const e = await expectMismatch(replayBlock(b));
      expect(e.field).to.equal("receiptsRoot");
    });

    it("names the exact diverging transaction when the real receipts are given", async function () {
      const ok = await replayBlock(block);
      const expected = ok.txs.map((t) => ({ cumulativeGasUsed: t.cumulativeGasUsed, status: t.status }));
      expected[5].cumulativeGasUsed += 7;
      const b = clone(block);
      b.block.gasUsed = `0x${(BigInt(b.block.gasUsed) + 7n).toString(16)}`;
      const e = await expectMismatch(replayBlock(b, { expectedReceipts: expected }));
      expect(e.txIndex).to.equal(5);
      expect(e.message).to.contain(block.block.transactions[5].hash);
    });

    it("without receipts names no transaction, lists those that read missing state as candidates, and says how to get receipts", async function () {
      const b = clone(block);
      const target = b.block.transactions[0].to!;
      delete b.preState[target];
      const e = await expectMismatch(replayBlock(b));
      expect(e.txIndex).to.equal(null);
      expect(e.message).to.contain("the first diverging transaction cannot be localized");
      expect(e.details.join("\n")).to.contain(`tx 0 `).and.to.contain(`account ${target}`);
      expect(e.hint).to.contain("eth_getBlockReceipts").and.to.contain("receipts.json.gz");
      expect(e.describe()).to.contain("fix: save the block's receipts");
    });

    it("with a sabotaged pre-state (one slot removed) and the receipts, names the transaction that read it", async function () {
      const ok = await replayBlock(block);
      const receipts = ok.txs.map((t) => ({ cumulativeGasUsed: t.cumulativeGasUsed, status: t.status }));
      // The first slot with a non-zero value that a transaction after the first few reads.
      let victim: { tx: number; account: string; slot: string } | undefined;
      for (const t of ok.access.txs.slice(5)) {
        for (const [a, s] of t.storage.reads) {
          const acc = Object.entries(block.preState).find(([k]) => k.toLowerCase() === a)?.[1];
          const key = Object.keys(acc?.storage ?? {}).find((k) => BigInt(k) === BigInt(s));
          if (key !== undefined && BigInt(acc!.storage[key]) !== 0n) {
            victim = { tx: t.index, account: a, slot: key };
            break;
          }
        }
        if (victim) break;
      }
      expect(victim, "a later transaction reads a non-zero slot").to.not.equal(undefined);
      const b = clone(block);
      const acc = Object.entries(b.preState).find(([k]) => k.toLowerCase() === victim!.account)![1];
      delete acc.storage[victim!.slot];
      // Without receipts: no transaction is blamed.
      const blind = await expectMismatch(replayBlock(b));
      expect(blind.txIndex).to.equal(null);
      // With them: the first diverging one, which is the reader of the removed slot or an earlier reader of it.
      const exact = await expectMismatch(replayBlock(b, { expectedReceipts: receipts }));
      expect(exact.txIndex, "the transaction that read the removed slot").to.be.at.most(victim!.tx);
      const readers = ok.access.txs.filter((t) =>
        t.storage.reads.some(([a, s]) => a === victim!.account && BigInt(s) === BigInt(victim!.slot)),
      );
      expect(readers.map((t) => t.index)).to.include(exact.txIndex);
      expect(exact.message).to.contain(b.block.transactions[exact.txIndex!].hash);
    });

    it("explains a missing block directory", async function () {
      let err: Error | undefined;
      await replayCorpusBlock(CORPUS, 123).catch((e: Error) => (err = e));
      expect(err?.message).to.match(/block 123 is not in the corpus .*available: 46147/);
    });
  });
});
