import { expect } from "chai";
import { txAccessFromPrestate } from "../src/conflicts/index.js";

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
    const r = txAccessFromPrestate(plain, diff);
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
