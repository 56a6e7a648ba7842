import { expect } from "chai";
import { accessFromPrestate, accessFromReexecution } from "../../src/model/convert.js";

const A = "0x" + "aa".repeat(20);
const B = "0x" + "bb".repeat(20);
const s = (n: number) => "0x" + n.toString(16).padStart(64, "0");

describe("prestateTracer output -> access lists", function () {
  it("reads from plain mode, writes from diff mode; cleared slots, unchanged writes and new code", function () {
    const plain = {
      [A]: { balance: "0x10", nonce: 1, code: "0x6000", storage: { [s(1)]: s(5), [s(2)]: s(7), [s(3)]: s(9) } },
      [B]: { balance: "0x0" },
    };
    // s1 cleared to zero (present in pre only), s2 changed, s3 written with its own value (absent).
    const diff = {
      pre: { [A]: { balance: "0x10", nonce: 1, code: "0x6000", storage: { [s(1)]: s(5), [s(2)]: s(7) } }, [B]: { balance: "0x0" } },
      post: { [A]: { storage: { [s(2)]: s(8) } }, [B]: { balance: "0x5", code: "0x60016000", nonce: 1 } },
    };
    const r = accessFromPrestate(plain, diff);
    expect(r.storage.writes).to.deep.equal([
      [A, s(1)],
      [A, s(2)],
    ]);
    expect(r.storage.reads).to.deep.equal([
      [A, s(1)],
      [A, s(2)],
      [A, s(3)],
    ]);
    expect(r.accounts.writes).to.deep.equal([
      [B, "balance"],
      [B, "code"],
      [B, "nonce"],
    ]);
    // A's balance, nonce and code were read; B's balance was read, and its writes are reads too.
    expect(r.accounts.reads).to.deep.equal([
      [A, "balance"],
      [A, "code"],
      [A, "nonce"],
      [B, "balance"],
      [B, "code"],
      [B, "nonce"],
    ]);
  });
});

describe("one conversion for traces and re-execution (src/model/convert.ts)", function () {
  const C = "0x" + "cc".repeat(20);
  it("the fee recipient's credit is a write only, unless it sends or receives the transaction", function () {
    const plain = { [A]: { balance: "0x10", nonce: 1 }, [C]: { balance: "0x1" } };
    const diff = {
      pre: { [A]: { balance: "0x10", nonce: 1 }, [C]: { balance: "0x1" } },
      post: { [A]: { balance: "0x8", nonce: 2 }, [C]: { balance: "0x3" } },
    };
    const paid = accessFromPrestate(plain, diff, { coinbase: C, from: A, to: B });
    expect(paid.accounts.writes).to.deep.include([C, "balance"]);
    expect(paid.accounts.reads).to.not.deep.include([C, "balance"]);
    const sends = accessFromPrestate(plain, diff, { coinbase: C, from: C, to: B });
    expect(sends.accounts.reads).to.deep.include([C, "balance"]);
  });

  it("gives the same lists from traces (mixed case, short slot keys, a deleted account) and from re-execution", function () {
    const mixed = A.toUpperCase().replace("0X", "0x");
    const plain = { [mixed]: { balance: "0x0", nonce: 1, storage: { "0x1": s(5) } }, [B]: { balance: "0x4", code: "0x60" } };
    const diff = {
      pre: { [mixed]: { nonce: 1, storage: { "0x1": s(5) } }, [B]: { balance: "0x4", code: "0x60" } },
      post: { [mixed]: { nonce: 2, storage: { "0x1": s(6) } } },
    };
    const traced = accessFromPrestate(plain, diff);
    expect(traced.storage.writes).to.deep.equal([[A, s(1)]]);
    expect(traced.accounts.writes).to.deep.equal([
      [A, "nonce"],
      [B, "balance"],
      [B, "code"],
    ]);
    const reexecuted = accessFromReexecution({
      storage: { reads: [[A, s(1)]], writes: [[A, s(1)]] },
      accounts: {
        writes: [
          [A, "nonce"],
          [B, "balance"],
          [B, "code"],
        ],
      },
      touched: new Map([
        [A, { nonce: 1n, hasCode: false }],
        [B, { nonce: 0n, hasCode: true }],
      ]),
    });
    expect(reexecuted).to.deep.equal(traced);
  });
});
