import { expect } from "chai";
import { createRng } from "../../src/util/random.js";
import { generateWorkload, zipfSampler } from "../../src/workload/index.js";

describe("workload generators", function () {
  it("are reproducible from the seed and differ across seeds", function () {
    const a = generateWorkload({ kind: "mix", txs: 300, seed: 7 });
    const b = generateWorkload({ kind: "mix", txs: 300, seed: 7 });
    const c = generateWorkload({ kind: "mix", txs: 300, seed: 8 });
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
    expect(JSON.stringify(a)).to.not.equal(JSON.stringify(c));
  });

  it("sends every transaction from a distinct user by default", function () {
    for (const kind of ["dex", "lending", "vault", "mix"] as const) {
      const w = generateWorkload({ kind, txs: 500, seed: 3 });
      expect(w.ops).to.have.length(500);
      expect(new Set(w.ops.map((op) => op.user)).size).to.equal(500);
    }
  });

  it("draws users from a shared pool when asked", function () {
    const w = generateWorkload({ kind: "dex", txs: 200, seed: 3, sharedUsers: 2 });
    expect(new Set(w.ops.map((op) => op.user))).to.deep.equal(new Set([0, 1]));
  });

  it("makes pool popularity heavy-tailed (Zipf)", function () {
    const rng = createRng(11);
    const pick = zipfSampler(7, 1, rng);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[pick()]++;
    // Weight of k is 1/(k+1): pool 0 is drawn about twice as often as pool 1, 7x pool 6.
    expect(Math.abs(counts[0] / counts[1] - 2)).to.be.lessThan(0.15);
    expect(Math.abs(counts[0] / counts[6] - 7)).to.be.lessThan(0.8);
  });

  it("mixes products in the documented proportions and harvests at most once", function () {
    const w = generateWorkload({ kind: "mix", txs: 5000, seed: 5 });
    const share = (p: string) => w.ops.filter((op) => op.product === p).length / w.ops.length;
    expect(Math.abs(share("dex") - 0.5)).to.be.lessThan(0.03);
    expect(Math.abs(share("lending") - 0.3)).to.be.lessThan(0.03);
    expect(Math.abs(share("vault") - 0.2)).to.be.lessThan(0.03);
    expect(w.ops.filter((op) => op.product === "vault" && op.kind === "harvest").length).to.be.at.most(1);
  });

  it("gives liquidation victims users of their own, beyond the senders", function () {
    const w = generateWorkload({ kind: "lending", txs: 2000, seed: 9 });
    const victims = w.ops.flatMap((op) => (op.product === "lending" && op.victim !== undefined ? [op.victim] : []));
    expect(victims.length).to.be.greaterThan(0);
    for (const v of victims) expect(v).to.be.at.least(2000);
    expect(w.users).to.equal(2000 + victims.length);
  });

  it("rejects nonsense sizes with a clear error", function () {
    expect(() => generateWorkload({ kind: "dex", txs: 0 })).to.throw(/txs must be a positive integer/);
    expect(() => generateWorkload({ kind: "dex", tokens: 1 })).to.throw(/tokens must be >= 2/);
  });
});
