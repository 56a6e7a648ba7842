import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  balanceSlot,
  calldataAddresses,
  hardforkOf,
  loadStudyBlock,
  mainnetNames,
  renderStudyTables,
  runStudy,
} from "../../src/study/mainnet.js";

const root = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));
const THREADS = [4, 8, 16, 32];

describe("mainnet study", function () {
  this.timeout(120_000);

  it("is consistent on two small Cancun blocks", async () => {
    const inputs = await Promise.all([19923400, 19426587].map((n) => loadStudyBlock(join(root, String(n)))));
    const study = runStudy(inputs, { threads: THREADS });
    expect(study.blocks.map((b) => b.number)).to.deep.equal([19426587, 19923400]);
    let txs = 0;
    for (const b of study.blocks) {
      txs += b.txs;
      expect(b.hardfork).to.equal("cancun");
      expect(b.txs).to.be.greaterThan(1);
      expect(b.longestChain).to.be.within(1, b.txs);
      expect(b.conflictRate).to.be.within(0, 1);
      expect(b.dependentRate).to.be.at.most(b.conflictRate);
      expect(b.storageConflictRate).to.be.at.most(b.conflictRate);
      expect(b.criticalPathGas).to.be.within(1, b.totalGas);
      for (const t of THREADS) {
        const dag = b.rows.find((r) => r.scheduler === "dag" && r.threads === t)!;
        const stm = b.rows.find((r) => r.scheduler === "block-stm" && r.threads === t)!;
        const locks = b.rows.find((r) => r.scheduler === "locks" && r.threads === t)!;
        for (const r of [dag, stm, locks]) {
          expect(r.speedup, `${r.scheduler}@${t}`).to.be.a("number");
          expect(r.speedup!).to.be.at.most(t + 1e-9);
          expect(r.speedup!).to.be.greaterThan(0);
        }
        // the dag is the limit of every block-order-preserving scheduler
        expect(dag.speedup! + 1e-9).to.be.at.least(stm.speedup!);
        expect(dag.speedup! + 1e-9).to.be.at.least(locks.speedup!);
        // and no schedule beats the critical path
        expect(dag.speedup!).to.be.at.most(b.totalGas / b.criticalPathGas + 1e-9);
      }
      // more threads never make the dag slower
      const dags = THREADS.map((t) => b.rows.find((r) => r.scheduler === "dag" && r.threads === t)!.speedup!);
      for (let k = 1; k < dags.length; k++) expect(dags[k] + 1e-9).to.be.at.least(dags[k - 1]);
      for (const h of b.hotSlots) expect(h.serialized).to.be.at.most(b.txs - 1);
    }
    expect(study.aggregate.txs).to.equal(txs);
    expect(study.aggregate.longestChain).to.equal(Math.max(...study.blocks.map((b) => b.longestChain)));
    // aggregate speedup = summed serial work / summed makespan: between the per-block extremes
    for (const s of ["dag", "block-stm"] as const)
      for (const t of THREADS) {
        const per = study.blocks.map((b) => b.rows.find((r) => r.scheduler === s && r.threads === t)!.speedup!);
        const agg = study.aggregate.rows.find((r) => r.scheduler === s && r.threads === t)!.speedup!;
        expect(agg).to.be.within(Math.min(...per) - 1e-9, Math.max(...per) + 1e-9);
      }
    const md = renderStudyTables(study);
    expect(md).to.contain("| 19923400 | cancun | 24 |");
  });

  it("names balance slots it can compute, and only those", async () => {
    // WETH balanceOf is mapping slot 3: the slot of a holder is keccak(pad(holder) . pad(3))
    const holder = "0x00000000000000000000000000000000000000aa";
    const weth = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
    const s = balanceSlot(holder, 3);
    const other = balanceSlot("0x00000000000000000000000000000000000000bb", 3);
    const tx = (i: number, slot: string) => ({
      index: i,
      hash: null,
      from: holder,
      to: weth,
      selector: null,
      gasUsed: 21000,
      storage: { reads: [[weth, slot]] as [string, string][], writes: [] },
      accounts: { reads: [], writes: [] },
    });
    const { names, coverage } = mainnetNames({ number: 1, hash: null, coinbase: "0x" + "00".repeat(20), txs: [tx(0, s), tx(1, other)] });
    expect(names.slots![`${weth}:${s}`]).to.equal(`WETH.balanceOf[${holder}]`);
    expect(names.slots![`${weth}:${other}`]).to.equal(undefined); // 0x..bb appears nowhere in the block
    expect(names.accounts![weth]).to.equal("WETH");
    expect(coverage).to.deep.equal([{ token: "WETH", accessed: 2, named: 1, txs: 2, txsOnNamed: 1 }]);
    // contracts recognised by code hash get a label and small-slot names
    const pool = "0x00000000000000000000000000000000000000cc";
    const slot8 = "0x" + "8".padStart(64, "0");
    const block = {
      number: 1,
      hash: null,
      coinbase: "0x" + "00".repeat(20),
      txs: [{ ...tx(0, s), storage: { reads: [[pool, slot8]] as [string, string][], writes: [] } }],
    };
    const named = mainnetNames(block, [], { [pool]: "0xc0de" }, { "0xc0de": { label: "Pool", slots: { 8: "reserves" } } });
    expect(named.names.slots![`${pool}:${slot8}`]).to.equal("Pool(0x000000…00cc).reserves");
    expect(mainnetNames(block).names.slots![`${pool}:${slot8}`]).to.equal(undefined);
  });

  it("finds addresses in calldata and eras from number and timestamp", () => {
    const a = "1111111111111111111111111111111111111111";
    const input = "0xa9059cbb" + a.padStart(64, "0") + (10n ** 18n).toString(16).padStart(64, "0");
    expect(calldataAddresses(input)).to.deep.equal(["0x" + a]);
    expect(hardforkOf(12_244_000, 1_618_481_223)).to.equal("berlin");
    expect(hardforkOf(12_243_999, 1_618_481_214)).to.equal("muirGlacier");
  });
});
