import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { RLP } from "@ethereumjs/rlp";
import { parseAccessSetFile } from "../../src/access/index.js";
import { BalFormatError, BalSource, parseBal, balToBlock } from "../../src/capture/bal.js";
import { captureFile } from "../../src/model/source.js";
import { analyze } from "../../src/conflicts/index.js";

const FIX = path.join(import.meta.dirname, "..", "..", "fixtures", "bal");
const load = async (name: string) => ({ name, bytes: await readFile(path.join(FIX, name)) });

describe("capture from EIP-7928 block access lists", function () {
  it("JSON: exact per-tx writes (0-based tx index detected), per-block reads, inferred fee recipient", async function () {
    const file = await captureFile(new BalSource([await load("22615922.json.gz")]));
    parseAccessSetFile(file);
    expect(file.precision).to.deep.equal({ reads: "block", writes: "tx" });
    const [b] = file.blocks;
    expect(b!.number).to.equal(22615922);
    // Indices 0..96 are all transactions: index 0 bumps a sender's nonce, so base 0.
    expect(b!.txs).to.have.length(97);
    expect(b!.coinbase).to.equal("0x388c818ca8b9251b393131c08a736a67ccb19297");
    // Hand-checked in the JSON: tx 46 writes slot 1 of 0x0bd4...a7a2 and balances/nonce of its sender.
    const t = b!.txs[46];
    expect(t.index).to.equal(46);
    expect(t.from).to.equal("0xf70da97812cb96acdf810712aa562db8dfa3dbef");
    expect(t.storage.writes).to.deep.equal([
      ["0x0bd48f6b86a26d3a217d0fa6ffe2b491b956a7a2", "0x0000000000000000000000000000000000000000000000000000000000000001"],
    ]);
    expect(t.accounts.writes).to.have.deep.members([
      ["0x0bd48f6b86a26d3a217d0fa6ffe2b491b956a7a2", "balance"],
      ["0x388c818ca8b9251b393131c08a736a67ccb19297", "balance"],
      ["0xf70da97812cb96acdf810712aa562db8dfa3dbef", "balance"],
      ["0xf70da97812cb96acdf810712aa562db8dfa3dbef", "nonce"],
    ]);
    expect(b!.blockReads).to.have.length(223);
    expect(b!.blockReads).to.deep.include([
      "0x0bd48f6b86a26d3a217d0fa6ffe2b491b956a7a2",
      "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
    ]);
    const { result } = analyze(file);
    expect(result.notes.join(" ")).to.contain("lower bound");
  });

  it("RLP: decodes the same shape (hand-checked tx 3: an ERC-20 transfer writing two balance slots)", async function () {
    const src = new BalSource([await load("20615558_with_reads.rlp.gz")]);
    const file = await captureFile(src);
    const [b] = file.blocks;
    expect(b!.number).to.equal(20615558);
    expect(b!.txs).to.have.length(42);
    expect(src.conversionNotes()).to.deep.equal(["20615558: index base 0"]);
    const t = b!.txs[3];
    expect(t.from).to.equal("0x4066c380d181aa69317de9cfb26c796fd028a2df");
    expect(t.storage.writes).to.deep.equal([
      ["0x0f5d2fb29fb7d3cfee444a200298f468908cc942", "0x675c05fff93507bee460b8dd5032e95b4bbd9878c8073800a1399c7cbba19a6b"],
      ["0x0f5d2fb29fb7d3cfee444a200298f468908cc942", "0xda798b1441e598a6871490c1734358007e7b939816375d16fb782471b814dfea"],
    ]);
    // The fee recipient gets a balance change in every transaction.
    expect(b!.coinbase).to.equal("0x864bd4e84bdf3dcee9f4212dc32f198277056e22");
    for (const tx of b!.txs) expect(tx.accounts.writes).to.deep.include([b!.coinbase, "balance"]);
    expect(b!.blockReads).to.have.length(88);
  });

  it("index base 1 (the EIP's block_access_index): drops system calls at 0 and post-execution at n+1", function () {
    const addr = (n: number) => new Uint8Array(20).fill(n);
    const slot = new Uint8Array(32).fill(7);
    const u = (n: number) => (n === 0 ? new Uint8Array() : new Uint8Array([n]));
    const bal = [
      // System contract: storage write at index 0 (pre-execution), no nonce.
      [addr(1), [[slot, [[u(0), slot]]]], [], [], [], []],
      // Two transactions at 1 and 2 (senders bump nonces); withdrawal at 3 (balance only).
      [addr(2), [], [], [[u(1), u(5)]], [[u(1), u(1)]], []],
      [
        addr(3),
        [[slot, [[u(2), slot]]]],
        [],
        [
          [u(2), u(5)],
          [u(3), u(9)],
        ],
        [[u(2), u(4)]],
        [],
      ],
    ];
    const accounts = parseBal(RLP.encode(bal as any), "synthetic.rlp");
    const { block, base, dropped } = balToBlock(accounts, "synthetic.rlp", { number: 5 });
    expect(base).to.equal(1);
    expect(dropped).to.equal(2);
    expect(block.txs.map((t) => [t.index, t.from])).to.deep.equal([
      [0, "0x" + "02".repeat(20)],
      [1, "0x" + "03".repeat(20)],
    ]);
    expect(block.txs[1].storage.writes).to.deep.equal([["0x" + "03".repeat(20), "0x" + "07".repeat(32)]]);
  });

  it("rejects a BAL that is not RLP, or JSON of the wrong shape, naming the file", async function () {
    expect(() => parseBal(new TextEncoder().encode("hello, not rlp"), "x.rlp")).to.throw(BalFormatError, /x\.rlp: not valid RLP/);
    expect(() => parseBal(gzipSync('{ "account_changes": [ { "address": 5 } ] }'), "y.json.gz")).to.throw(
      /y\.json\.gz: account_changes\[0\]\.address: missing/,
    );
    expect(() => parseBal(new TextEncoder().encode('{"account_changes": ['), "z.json")).to.throw(/z\.json: not valid JSON.*truncated/);
    expect(() => parseBal(RLP.encode([[new Uint8Array(20)]]), "w.rlp")).to.throw(/w\.rlp: account 0: expected 6 fields/);
    expect(() => parseBal(new Uint8Array([0x1f, 0x8b, 1, 2]), "v.gz")).to.throw(/v\.gz: not valid gzip/);
  });
});
