/**
 * The fast paths of the simulator (issue #16: the 1,000,000-tx corpus at all thread counts)
 * give exactly the results of the plain path: a Block-STM run on a block whose memory layout
 * is cached, or with costs given apart, equals a fresh run; the engine prediction's direct
 * read/write sets and its sweep equal a second prepareBlock of the relaxed block (the
 * dependency model's reads) with one costed copy per thread count. Exact equality, not a
 * tolerance. (When the fast paths landed, they were also checked against the simulator as it
 * was before them: bench/results/simulate-speed.md.)
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { BlockAccess } from "../../src/access/format.js";
import {
  ENGINE_PROFILES,
  engineBlock,
  factsFromFile,
  inferFacts,
  loadEngineProfile,
  paramValues,
  predictEngineSweep,
  sequentialTime,
  txFeatures,
  blockStmOptions,
  type BlockFacts,
  type EngineProfile,
} from "../../src/schedule/cost-model.js";
import { relaxForEngine } from "../../src/schedule/engine-relax.js";
import {
  defiMixBlock,
  p2pBlock,
  prepareBlock,
  simulateBlockStm,
  type BlockStmOptions,
  type PreparedBlock,
} from "../../src/schedule/index.js";
import { loadStudyBlock } from "../../src/study/mainnet.js";

const THREADS = [1, 2, 3, 4, 8, 12, 16, 32];
const root = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));
const factsJson = JSON.parse(
  gunzipSync(readFileSync(new URL("../../fixtures/pevm/block-facts.json.gz", import.meta.url))).toString("utf8"),
) as unknown;
/** Shipped blocks of both tables; 11114732 has reads of self-destructed accounts (the parallel run aborts). */
const SHIPPED = [12243999, 12244000, 12520364, 11114732, 14396881];

/** The DeFi mix of bench/simulate.ts, senders from 300 users (nonce chains), swaps with a selector. */
const defiBlock = (n: number, seed: number): BlockAccess =>
  defiMixBlock(n, seed, { users: 300, number: 1000 + seed, swapSelector: "0x12345678" });

/** A copy of a prepared block that shares no object with it (so no cached memory layout). */
const fresh = (b: PreparedBlock): PreparedBlock => ({ ...b, txs: b.txs.map((t) => ({ ...t })) });

/** Everything a Block-STM run reports, typed arrays as plain arrays. */
function outcome(r: ReturnType<typeof simulateBlockStm>) {
  return {
    makespan: r.makespan,
    work: r.work,
    busy: r.busy,
    aborts: r.aborts,
    reExecutions: r.reExecutions,
    wastedWork: r.wastedWork,
    stats: r.blockStm,
    start: Array.from(r.start!),
    end: Array.from(r.end!),
  };
}

/**
 * The engine prediction built the plain way: a second prepareBlock of the relaxed block (the
 * dependency model's read sets: a write implies a read; fee-recipient credits included), one
 * costed copy per run.
 */
function referencePrediction(block: BlockAccess, profile: EngineProfile, facts: BlockFacts, threads: number): [number, number] {
  const p = paramValues(profile);
  const seqTimes = txFeatures(block).map((f) => sequentialTime(f, p));
  const sequential = seqTimes.reduce((a, b) => a + b, 0);
  const relaxed = relaxForEngine(block, profile.lazy, facts.rawTransfer).block;
  const prepared = prepareBlock(relaxed, { dependency: { feeRecipientCredit: "included" } });
  const txs = prepared.txs.map((t, i) => ({ ...t, cost: p.execScale * seqTimes[i] }));
  const r = simulateBlockStm({ ...prepared, txs } as PreparedBlock, blockStmOptions(p, threads));
  const selfDestructReads = profile.fallback.selfDestructRead ? facts.selfDestructReads : [];
  if (selfDestructReads.length > 0) {
    let abortAt = Infinity;
    for (const [reader] of selfDestructReads) abortAt = Math.min(abortAt, r.start![reader]);
    return [sequential, abortAt + sequential];
  }
  return [sequential, r.makespan];
}

describe("simulator fast paths give the plain path's results exactly", function () {
  this.timeout(300_000);
  const synthetic = (): BlockAccess[] => [p2pBlock(1500, 2, 3), p2pBlock(2000, 40, 4), p2pBlock(2000, 1000, 5), defiBlock(1500, 6)];

  it("Block-STM: a block's cached memory layout and costs given apart give the result of a fresh run", async () => {
    const blocks = [
      ...synthetic(),
      ...(await Promise.all(SHIPPED.slice(0, 3).map(async (n) => (await loadStudyBlock(join(root, String(n)))).file.blocks[0]))),
    ];
    const settings: Omit<BlockStmOptions, "threads">[] = [
      {},
      {
        validationFraction: 0,
        suspendFraction: 0.2,
        executionFixed: 3000,
        executionPerRead: 500,
        executionPerWrite: 700,
        threadStart: 9000,
        suspendFixed: 100,
        commitPerTx: 50,
        validationPerRead: 300,
      },
    ];
    let runs = 0;
    for (const b of blocks) {
      const prepared = prepareBlock(b);
      for (const s of settings)
        for (const threads of THREADS) {
          // Runs after the first on the same block use its cached memory layout; a copy of the
          // block (another object) builds its own.
          for (let k = 0; k < 2; k++)
            expect(outcome(simulateBlockStm(prepared, { ...s, threads })), `block ${b.number} @${threads}`).to.deep.equal(
              outcome(simulateBlockStm(fresh(prepared), { ...s, threads })),
            );
          runs++;
        }
      // Costs given apart from the block: the same as the block carrying them.
      const cost = prepared.txs.map((t, i) => t.cost * 0.5 + i);
      const costed = { ...prepared, txs: prepared.txs.map((t, i) => ({ ...t, cost: cost[i] })) };
      expect(outcome(simulateBlockStm(prepared, { threads: 8, cost }))).to.deep.equal(outcome(simulateBlockStm(costed, { threads: 8 })));
    }
    expect(runs).to.equal(blocks.length * settings.length * THREADS.length);
  });

  it("engine prediction: every profile and thread count, same sequential and parallel times as the reference path", async () => {
    const cases: { block: BlockAccess; facts: BlockFacts }[] = synthetic().map((block) => ({ block, facts: inferFacts(block) }));
    for (const n of SHIPPED) {
      const block = (await loadStudyBlock(join(root, String(n)))).file.blocks[0];
      cases.push({ block, facts: factsFromFile(factsJson, block)! });
    }
    expect(
      cases.some((c) => c.facts.selfDestructReads.length > 0),
      "a block with a self-destruct read",
    ).to.equal(true);
    let compared = 0;
    for (const name of ENGINE_PROFILES) {
      const profile = loadEngineProfile(name);
      for (const { block, facts } of cases) {
        const eb = engineBlock(block, profile, facts);
        const sweep = predictEngineSweep(eb, profile, THREADS);
        THREADS.forEach((t, k) => {
          if (eb.prepared === null) {
            expect(sweep[k].speedup).to.equal(1);
            return;
          }
          const [sequential, parallel] = referencePrediction(block, profile, facts, t);
          expect([sweep[k].sequential, sweep[k].parallel], `${name} block ${block.number} @${t}`).to.deep.equal([sequential, parallel]);
          compared++;
        });
      }
    }
    expect(compared).to.be.greaterThan(ENGINE_PROFILES.length * THREADS.length * 6);
  });
});
