import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadAccessSetFile, type AccessSetFile } from "../../src/access/index.js";
import { BalSource } from "../../src/capture/bal.js";
import { captureFile } from "../../src/model/source.js";
import { analyze } from "../../src/conflicts/index.js";
import { ReplaySource } from "../../src/replay/index.js";
import { renderText, simulateFile } from "../../src/schedule/index.js";

const FIX = path.join(import.meta.dirname, "..", "..", "fixtures");
const MAINNET = path.join(FIX, "mainnet");
const blocks = readdirSync(MAINNET).filter((d) => /^\d+$/.test(d));

/** analyze and simulate of one file: the same longest chain, critical path and dependents per block. */
function expectAgreement(file: AccessSetFile, what: string): { chain: number; limit: number }[] {
  const { result } = analyze(file);
  const maxTxs = Math.max(1, ...file.blocks.map((b) => b.txs.length));
  const sim = simulateFile(file, { threads: [maxTxs], schedulers: ["serial", "dag"] });
  return file.blocks.map((b, i) => {
    const a = result.perBlock[i];
    const s = sim.blocks[i];
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

  it("on the shipped EIP-7928 BALs (fixtures/bal), under a stated cost model instead of zero gas", async function () {
    const names = readdirSync(path.join(FIX, "bal")).filter((n) => n.endsWith(".gz"));
    expect(names.length).to.be.greaterThan(1);
    for (const name of names) {
      const file = await captureFile(new BalSource([{ name, bytes: readFileSync(path.join(FIX, "bal", name)) }]));
      const [r] = expectAgreement(file, name);
      expect(r!.limit, `${name}: a measured limit`).to.be.greaterThan(1);
      const { result } = analyze(file);
      expect(result.notes.join(" "), name).to.contain("cost model: one unit per distinct location");
      const sim = simulateFile(file, { threads: [1, 8] });
      expect(sim.costColumn).to.equal("accesses");
      expect(sim.blocks[0].work).to.be.greaterThan(0);
      expect(sim.blocks[0].notes.join(" ")).to.contain("no per-transaction gas");
      for (const row of sim.aggregate) expect(row.makespan, `${name} ${row.scheduler}`).to.be.greaterThan(0);
      // Asked for gas it does not have, the BAL gets no speedup, and the notes say why.
      const gas = simulateFile(file, { threads: [8], cost: "gasUsed" });
      expect(gas.aggregate.every((row) => row.speedup === null)).to.equal(true);
      expect(gas.blocks[0].notes.join(" ")).to.contain("no speedup can be given");
      const text = renderText(gas);
      expect(text).to.contain("no cost: no limit given");
      expect(text).to.match(/dag +8 +0 +n\/a/);
    }
  });

  it("keeps a fee-paying transaction at BAL index 0 and marks unknown senders unknown", async function () {
    const load = (name: string) => ({ name, bytes: readFileSync(path.join(FIX, "bal", name)) });
    const full = await captureFile(new BalSource([load("22615922.json.gz")]));
    const src = new BalSource([load("22615922_no_nonces.json.gz")], { number: 22615922 });
    const bare = await captureFile(src);
    expect(src.conversionNotes()).to.deep.equal(["22615922: index base 0"]);
    expect(bare.blocks[0].txs).to.have.length(full.blocks[0].txs.length);
    expect(bare.blocks[0].txs[0].accounts.writes).to.deep.include([bare.blocks[0].coinbase, "balance"]);
    expect(bare.blocks[0].txs.every((t) => t.from === null)).to.equal(true);
    // In the real BAL, a transaction that changes no nonce has an unknown sender, never 0x00..0.
    expect(full.blocks[0].txs.some((t) => t.from === "0x" + "0".repeat(40))).to.equal(false);
    expect(full.blocks[0].txs.filter((t) => t.from !== null).length).to.be.greaterThan(80);
  });

  it("the replay source yields what the shipped capture holds, through the one source interface", async function () {
    const shipped = await loadAccessSetFile(path.join(MAINNET, "46147", "access-sets.json.gz"));
    const seen: number[] = [];
    const file = await captureFile(new ReplaySource(MAINNET, [46147], "block 46147", (r) => void seen.push(r.access.number)));
    expect(seen).to.deep.equal([46147]);
    expect(file.source.kind).to.equal("replay");
    expect(file.blocks).to.deep.equal(shipped.blocks);
  });

  it("reports the mining-pool payout block 12520364 as serial in both", async function () {
    const file = await loadAccessSetFile(path.join(MAINNET, "12520364", "access-sets.json.gz"));
    const [r] = expectAgreement(file, "payout");
    const txs = file.blocks[0].txs.length;
    // The fee recipient sends almost every transaction: its nonce chains them.
    expect(r!.chain, "longest chain").to.be.greaterThan(0.95 * txs);
    expect(r!.limit, "dependency limit").to.be.lessThan(1.1);
  });
});
