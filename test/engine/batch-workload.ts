import { expect } from "chai";
import path from "node:path";
import hre from "hardhat";
import { checkDeclared } from "../../src/conflicts/index.js";
import { ContractBook, loadBuildInfoContracts } from "../../src/decode/artifacts.js";
import { runDesign, speedupAt, type DesignOutcome } from "../../src/pipeline/compare.js";
import { demoCase, disjointBatchDesign, singleHopSwaps } from "../../src/workload/designs.js";
import { generateWorkload, type SwapOp } from "../../src/workload/index.js";
import { freshWorkloadEnv } from "../../tasks/workload-env.js";

/** The suite's batch variant of the DEX workload: settlements of the previous batch first, then the orders. */
describe("the batch DEX workload (block prologue: the previous batch's settlement)", function () {
  this.timeout(600_000);
  const N = 300;
  const workload = singleHopSwaps(generateWorkload({ kind: "dex", txs: Math.ceil(N * 1.3), seed: 5 }), N);
  let o: DesignOutcome;

  before(async function () {
    const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));
    o = await runDesign(await freshWorkloadEnv(hre), disjointBatchDesign(), workload, { book: new ContractBook(contracts) });
  });

  it("takes single-hop swaps from distinct users only", function () {
    expect(workload.ops).to.have.length(N);
    for (const op of workload.ops) expect((op as SwapOp).path).to.have.length(2);
    expect(new Set(workload.ops.map((op) => op.user)).size).to.equal(N);
    expect(() => singleHopSwaps(workload, N + 1)).to.throw(/fewer than/);
  });

  it("sends one settlement per traded pool first in the block, then N orders from N users", function () {
    const pools = new Set(workload.ops.map((op) => Math.min(...(op as SwapOp).path)));
    const block = o.file.blocks[0];
    expect(block.txs).to.have.length(pools.size + N);
    expect(block.txs.every((t) => t.status === "success")).to.equal(true);
    const head = o.run.txs.slice(0, pools.size);
    const orders = o.run.txs.slice(pools.size);
    expect(head.every((t) => t.op.kind === "prologue" && /settle/.test(t.label))).to.equal(true);
    expect(block.txs.slice(0, pools.size).every((t) => t.function === "DisjointBatchPool.settle")).to.equal(true);
    expect(orders.every((t) => t.op.kind === "swap" && /submit/.test(t.label))).to.equal(true);
    expect(block.txs.slice(pools.size).every((t) => t.function === "DisjointBatchPool.submit")).to.equal(true);
    expect(new Set(orders.map((t) => t.request.from.toLowerCase())).size).to.equal(N);
    // The settlements' gas is counted among the block's work.
    expect(o.gas["dex batch settlement"]?.count).to.equal(pools.size);
  });

  it("declares every access it makes, settlements included", function () {
    const check = checkDeclared(o.file);
    expect(check.uncovered, JSON.stringify(check.uncovered.slice(0, 3))).to.deep.equal([]);
    expect(check.ok).to.equal(true);
  });

  it("reaches a dag speedup of at least 15x at 16 threads with the settlements counted", function () {
    expect(speedupAt(o, "dag", 16)).to.be.at.least(15);
  });
});

describe("the demo's dex-batch workload", function () {
  it("runs the same single-hop swaps on the batch pool, the shard pools and Uniswap V2", function () {
    const { workload, designs } = demoCase("dex-batch", 50, 3);
    expect(designs.map((d) => d.name)).to.deep.equal(["disjoint-batch", "disjoint", "incumbents"]);
    expect(workload.ops).to.have.length(50);
    expect(workload.ops.every((op) => op.product === "dex" && op.kind === "swap" && op.path.length === 2)).to.equal(true);
    expect(demoCase("dex", 50, 3).designs).to.have.length(2);
    expect(() => demoCase("dex-sharded", 50, 3)).to.throw(/must be one of/);
  });
});
