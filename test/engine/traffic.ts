import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateTrafficWorkload, MAINNET_ARRIVALS } from "../../src/workload/index.js";

describe("mainnet traffic workload", function () {
  it("uses the arrival counts bench/traffic-profile.ts measured (bench/results/traffic-profile.md)", function () {
    const md = readFileSync(fileURLToPath(new URL("../../bench/results/traffic-profile.md", import.meta.url)), "utf8");
    const json = /```json\n(.*)\n```/.exec(md)?.[1];
    expect(json, "the profile's JSON block").to.be.a("string");
    const measured = JSON.parse(json!) as { lending: number[]; vault: number[]; pool: number[] };
    expect(MAINNET_ARRIVALS.lending).to.deep.equal(measured.lending);
    expect(MAINNET_ARRIVALS.vault).to.deep.equal(measured.vault);
    expect(MAINNET_ARRIVALS.dex).to.deep.equal(measured.pool);
    expect(MAINNET_ARRIVALS.vault).to.have.length(50);
  });

  it("splits one product's operations into blocks drawn from the measured counts, one user per operation", function () {
    for (const product of ["vault", "lending", "dex"] as const) {
      const w = generateTrafficWorkload({ product, blocks: 300, seed: 5 });
      expect(w.blockSizes).to.have.length(300);
      expect(w.blockSizes.reduce((a, b) => a + b, 0)).to.equal(w.ops.length);
      const allowed = new Set(MAINNET_ARRIVALS[product]);
      for (const n of w.blockSizes) expect(allowed.has(n), `block size ${n}`).to.equal(true);
      expect(w.ops.every((op) => op.product === product)).to.equal(true);
      expect(new Set(w.ops.map((op) => op.user)).size).to.equal(w.ops.length);
      expect(w.ops.some((op) => op.kind === "harvest")).to.equal(false);
      // The draw follows the measured distribution: the share of empty blocks is near the measured share.
      const measuredEmpty = MAINNET_ARRIVALS[product].filter((n) => n === 0).length / 50;
      const drawnEmpty = w.blockSizes.filter((n) => n === 0).length / 300;
      expect(Math.abs(drawnEmpty - measuredEmpty)).to.be.lessThan(0.1);
    }
  });

  it("is reproducible from the seed", function () {
    const a = generateTrafficWorkload({ product: "vault", blocks: 100, seed: 9 });
    const b = generateTrafficWorkload({ product: "vault", blocks: 100, seed: 9 });
    const c = generateTrafficWorkload({ product: "vault", blocks: 100, seed: 10 });
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
    expect(JSON.stringify(a)).to.not.equal(JSON.stringify(c));
  });
});
