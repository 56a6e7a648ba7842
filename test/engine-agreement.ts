import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadAccessSetFile, type AccessSetFile } from "../src/access/index.js";
import { BalSource } from "../src/capture/bal.js";
import { captureFile } from "../src/capture/source.js";
import { analyze } from "../src/conflicts/index.js";
import { simulateFile } from "../src/schedule/index.js";

const FIX = path.join(import.meta.dirname, "..", "fixtures");
const MAINNET = path.join(FIX, "mainnet");
const blocks = readdirSync(MAINNET).filter((d) => /^\d+$/.test(d));

/** analyze and simulate of one file: the same longest chain, critical path and dependents per block. */
function expectAgreement(file: AccessSetFile, what: string): { chain: number; limit: number }[] {
  const { result } = analyze(file);
  const maxTxs = Math.max(1, ...file.blocks.map((b) => b.txs.length));
  const sim = simulateFile(file, { threads: [maxTxs], schedulers: ["serial", "dag"] });
  return file.blocks.map((b, i) => {
    const a = result.perBlock[i]!;
    const s = sim.blocks[i]!;
    const at = `${what} block ${b.number}`;
    expect(a.longestChain, `${at}: longest chain`).to.equal(s.longestChain);
    expect(a.criticalPath, `${at}: critical path`).to.equal(s.criticalPath);
    expect(a.dependentTxs, `${at}: dependent transactions`).to.equal(s.dependentTxs);
    expect(a.work, `${at}: work`).to.equal(s.work);
    // The dag scheduler at unbounded threads reaches the critical path: the same limit.
    const dag = s.rows.find((r) => r.scheduler === "dag")!;
    expect(dag.makespan, `${at}: dag makespan at ${maxTxs} threads`).to.equal(a.criticalPath);
    return { chain: a.longestChain, limit: a.criticalPath > 0 ? a.work / a.criticalPath : 1 };
  });
}

describe("one engine, one answer: analyze and simulate agree", function () {
  this.timeout(300_000);

  it(`on all ${blocks.length} shipped mainnet blocks (fixtures/mainnet)`, async function () {
    expect(blocks.length).to.equal(50);
    for (const n of blocks) expectAgreement(await loadAccessSetFile(path.join(MAINNET, n, "access-sets.json.gz")), `mainnet ${n}`);
  });

  it("on the shipped EIP-7928 BALs (fixtures/bal)", async function () {
    for (const name of readdirSync(path.join(FIX, "bal"))) {
      const file = await captureFile(new BalSource([{ name, bytes: readFileSync(path.join(FIX, "bal", name)) }]));
      expectAgreement(file, name);
    }
  });

  it("reports the mining-pool payout block 12520364 as serial in both", async function () {
    const file = await loadAccessSetFile(path.join(MAINNET, "12520364", "access-sets.json.gz"));
    const [r] = expectAgreement(file, "payout");
    const txs = file.blocks[0]!.txs.length;
    // The fee recipient sends almost every transaction: its nonce chains them.
    expect(r!.chain, "longest chain").to.be.greaterThan(0.95 * txs);
    expect(r!.limit, "dependency limit").to.be.lessThan(1.1);
  });
});
