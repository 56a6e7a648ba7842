import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { BlockAccess, TxAccess } from "../../src/access/format.js";
import {
  ENGINE_PROFILES,
  engineBlock,
  factsFromFile,
  inferFacts,
  loadEngineProfile,
  PARAM_NAMES,
  predictBlock,
  type BlockFacts,
} from "../../src/schedule/cost-model.js";
import { LAZY_PREFIX, relaxForEngine } from "../../src/schedule/engine-relax.js";
import { prepareBlock, simulateBlockStm, simulateDag, syntheticBlock, p2pBlock } from "../../src/schedule/index.js";
import { loadStudyBlock } from "../../src/study/mainnet.js";
import { locationKey } from "../../src/model/location.js";
import simulateAction from "../../tasks/simulate-action.js";

const root = fileURLToPath(new URL("../../fixtures/mainnet", import.meta.url));
const factsJson = JSON.parse(
  gunzipSync(readFileSync(new URL("../../fixtures/pevm/block-facts.json.gz", import.meta.url))).toString("utf8"),
) as unknown;
const calibrationMd = readFileSync(new URL("../../bench/results/calibration.md", import.meta.url), "utf8");

async function shipped(n: number): Promise<{ block: BlockAccess; facts: BlockFacts }> {
  const block = (await loadStudyBlock(join(root, String(n)))).file.blocks[0];
  const facts = factsFromFile(factsJson, block);
  if (!facts) throw new Error(`no facts for ${n}`);
  return { block, facts };
}

/** The committed calibrated prediction of a block in one profile's section of calibration.md. */
function committedPrediction(profile: string, block: number): number {
  const section = calibrationMd.split(`## ${profile}:`)[1].split("\n## ")[0];
  const row = section.split("\n").find((l) => l.startsWith(`| ${block} |`));
  if (!row) throw new Error(`block ${block} not in ${profile}'s table`);
  return Number(row.split("|")[6].trim().replace("x", ""));
}

const a = (k: number) => "0x" + k.toString(16).padStart(40, "0");
const COINBASE = a(0xc0ffee);
/** A value transfer as the replay records it (the recipient's code is read; the fee recipient is credited). */
function transfer(i: number, from: string, to: string): TxAccess {
  const fields = (list: [string, "balance" | "nonce" | "code"][]) => list;
  const reads = fields([
    [from, "balance"],
    [from, "nonce"],
    [to, "code"],
  ]);
  const writes = fields([
    [from, "balance"],
    [from, "nonce"],
    [to, "balance"],
    [COINBASE, "balance"],
  ]);
  return {
    index: i,
    hash: null,
    from,
    to,
    selector: null,
    gasUsed: 21000,
    storage: { reads: [], writes: [] },
    accounts: { reads, writes },
  };
}

describe("engine cost model and calibration", function () {
  this.timeout(120_000);

  describe("lazy-update relaxation (scheduling only)", () => {
    it("lazy raw transfers of one sender do not chain; an absolute reader evaluates every lazy entry below it", () => {
      const s = a(1);
      const txs = [transfer(0, s, a(2)), transfer(1, s, a(3)), transfer(2, s, a(4))];
      // tx 3 is a contract call by the same sender: it reads the sender's balance absolutely.
      txs.push({ ...transfer(3, s, a(5)), selector: "0x12345678" });
      const block: BlockAccess = { number: 1, hash: null, coinbase: COINBASE, txs };
      const plain = prepareBlock(block);
      expect(simulateDag(plain, { threads: 4 }).criticalPath).to.equal(4 * 21000); // a nonce chain
      const relaxed = relaxForEngine(block, { beneficiary: true, rawTransfers: true }, [true, true, true, false]);
      expect(relaxed.lazyTxs).to.equal(3);
      const r = relaxed.block.txs;
      for (const t of r.slice(0, 3)) expect(t.accounts.reads.filter(([x, f]) => x === s && f !== "code")).to.deep.equal([]);
      // tx 3 reads the six lazy entries of the sender's balance and nonce, and absolute [s, balance] and [s, nonce].
      expect(r[3].storage.reads.filter(([x, k]) => x === s && k.startsWith(LAZY_PREFIX))).to.have.length(6);
      const p = prepareBlock(relaxed.block, { dependency: { feeRecipientCredit: "included" } });
      const dag = simulateDag(p, { threads: 4 });
      expect(dag.criticalPath).to.equal(2 * 21000); // three independent transfers, then the reader
      // The analyzer's definition is unchanged: the input block is not modified.
      expect(block.txs[1].accounts.reads).to.deep.include([s, "balance"]);
    });

    it("the fee recipient's credits are lazy unless a tx reads its balance", () => {
      const txs = [transfer(0, a(1), a(2)), transfer(1, a(3), a(4)), { ...transfer(2, COINBASE, a(5)), selector: "0x12345678" }];
      const relaxed = relaxForEngine({ number: 1, hash: null, coinbase: COINBASE, txs }, { beneficiary: true, rawTransfers: false });
      expect(relaxed.block.txs[0].accounts.writes.some(([x]) => x === COINBASE)).to.equal(false);
      expect(relaxed.block.txs[2].storage.reads.filter(([x]) => x === COINBASE)).to.have.length(2);
      expect(relaxed.note).to.match(/scheduling only/);
    });

    it("the engine reads what it writes: credits to one account chain unless the engine applies them lazily", () => {
      // Two senders pay one account without code: the replay records the credit as a write
      // without a read, but the EVM loads the balance it adds to.
      const to = a(9);
      const block: BlockAccess = { number: 1, hash: null, coinbase: COINBASE, txs: [transfer(0, a(1), to), transfer(1, a(2), to)] };
      const facts: BlockFacts = { rawTransfer: [true, true], selfDestructReads: [] };
      const readsCredit = (name: "pevm-graviton3-c12" | "pevm-i9-12900k-c8") => {
        const p = loadEngineProfile(name);
        const eb = engineBlock(block, { ...p, fallback: { ...p.fallback, minTxs: 2, minGas: 0 } }, facts);
        const id = eb.prepared!.locations.indexOf(locationKey(to, "balance"));
        return id >= 0 && eb.prepared!.txs[1].reads.includes(id);
      };
      expect(readsCredit("pevm-i9-12900k-c8")).to.equal(true); // no lazy raw transfers: tx 1 reads tx 0's credit
      expect(readsCredit("pevm-graviton3-c12")).to.equal(false); // lazy raw transfers: no absolute access left
    });

    it("refuses raw-transfer rules without the flags, naming the fix", () => {
      expect(() => relaxForEngine(p2pBlock(3, 10), { beneficiary: true, rawTransfers: true })).to.throw(/block-features/);
    });
  });

  describe("Block-STM overhead terms", () => {
    it("defaults are the idealized model; the terms add up exactly on a conflict-free block", () => {
      const block = syntheticBlock(Array.from({ length: 8 }, (_, i) => ({ cost: 100, reads: [], writes: [i] })));
      const base = { threads: 4, validationFraction: 0, suspendFraction: 0 };
      expect(simulateBlockStm(block, { ...base, executionFixed: 0, threadStart: 0, commitPerTx: 0 }).makespan).to.equal(
        simulateBlockStm(block, base).makespan,
      );
      expect(simulateBlockStm(block, base).makespan).to.equal(200);
      // Thread k starts at 5 (k + 1); each execution takes 110; 8 txs on 4 threads; then 8 x 1 of serial commit.
      const r = simulateBlockStm(block, { ...base, executionFixed: 10, threadStart: 5, commitPerTx: 1 });
      expect(r.makespan).to.equal(20 + 2 * 110 + 8);
      expect(r.work).to.equal(800);
      expect(() => simulateBlockStm(block, { ...base, threadStart: -1 })).to.throw(/threadStart/);
    });
  });

  describe("engine profiles", () => {
    it("name, document and source every parameter", () => {
      for (const name of ENGINE_PROFILES) {
        const p = loadEngineProfile(name);
        expect(p.threads).to.be.oneOf([8, 12]);
        for (const k of PARAM_NAMES) {
          const q = p.params[k];
          expect(q.unit, `${name}.${k}`).to.be.a("string").and.not.equal("");
          expect(q.doc, `${name}.${k}`).to.be.a("string").and.not.equal("");
          expect(q.provenance, `${name}.${k}`).to.be.a("string").and.not.equal("");
        }
        expect(p.fallback.provenance).to.not.equal("");
        expect(p.lazy.provenance).to.not.equal("");
        // fitting and validation blocks are disjoint
        expect(p.fit.fitting.filter((b) => p.fit.validation.includes(b))).to.deep.equal([]);
      }
      expect(() => loadEngineProfile("geth")).to.throw(/unknown engine profile "geth".*pevm-graviton3-c12/);
    });
  });

  describe("calibrated predictions on shipped blocks", () => {
    const current = loadEngineProfile("pevm-graviton3-c12");
    const earlier = loadEngineProfile("pevm-i9-12900k-c8");

    it("reproduce the committed calibration table", async () => {
      for (const n of [3356896, 11114732, 13217637, 19934116]) {
        const { block, facts } = await shipped(n);
        // (no closeTo: the ethers chai matchers loaded by the full suite redefine it for integers)
        expect(Math.abs(predictBlock(block, current, { facts }).speedup - committedPrediction(current.name, n)), `block ${n}`).to.be.below(
          0.006,
        );
      }
      for (const n of [7279999, 19923400]) {
        const { block, facts } = await shipped(n);
        expect(Math.abs(predictBlock(block, earlier, { facts }).speedup - committedPrediction(earlier.name, n)), `block ${n}`).to.be.below(
          0.006,
        );
      }
    });

    it("apply the engine's fallbacks: small blocks and self-destructed reads", async () => {
      const small = await shipped(19934116); // 3.4M gas: under pevm's 4,000,000 threshold
      const p = predictBlock(small.block, current, { facts: small.facts });
      expect(p.speedup).to.equal(1);
      expect(p.fallback).to.match(/under 4,000,000 gas/);
      const sd = await shipped(11114732); // measured 0.89x: a tx reads a self-destructed account
      expect(sd.facts.selfDestructReads.length).to.be.greaterThan(0);
      const q = predictBlock(sd.block, current, { facts: sd.facts });
      expect(q.speedup).to.be.below(1);
      expect(q.fallback).to.match(/self-destructed/);
    });

    it("the fee-recipient payout block: a nonce chain for the analyzer, parallel with pevm's lazy updates", async () => {
      // 12,520,364: the fee recipient sends 650 of 660 txs. pevm measured 1.66x (current
      // engine, lazy raw transfers) and 0.84x (earlier engine, lazy fee credits only).
      const { block, facts } = await shipped(12520364);
      expect(block.txs.filter((t) => t.from === block.coinbase)).to.have.length(650);
      const plain = simulateDag(prepareBlock(block), { threads: 12 });
      expect(plain.work / plain.criticalPath!).to.be.below(1.1);
      const relaxed = relaxForEngine(block, current.lazy, facts.rawTransfer);
      const rd = simulateDag(prepareBlock(relaxed.block, { dependency: { feeRecipientCredit: "included" } }), { threads: 12 });
      expect(rd.work / rd.criticalPath!).to.be.above(3);
      const cur = predictBlock(block, current, { facts });
      const old = predictBlock(block, earlier, { facts });
      expect(cur.speedup).to.be.above(1.05);
      expect(old.speedup).to.be.below(cur.speedup);
    });

    it("infers raw transfers when no pre-state is at hand", () => {
      const f = inferFacts({
        number: 1,
        hash: null,
        coinbase: COINBASE,
        txs: [transfer(0, a(1), a(2)), { ...transfer(1, a(3), a(4)), selector: "0xa9059cbb" }],
      });
      expect(f.rawTransfer).to.deep.equal([true, false]);
    });
  });

  describe("conflicts simulate --engine", () => {
    const base = {
      threads: "8,12",
      scheduler: "serial,block-stm",
      cost: "gasUsed",
      validationCost: 0.05,
      suspendCost: 0.05,
      json: "",
      md: "",
      blocks: 5,
      includeFeeRecipient: false,
      credits: "read-modify-write",
    };
    const file = join(root, "12520364", "access-sets.json.gz");
    let log: string[] = [];
    const orig = [console.log, console.error] as const;
    beforeEach(() => {
      log = [];
      console.log = console.error = (...x: unknown[]) => void log.push(x.join(" "));
      process.exitCode = 0;
    });
    afterEach(() => {
      [console.log, console.error] = orig;
      process.exitCode = 0;
    });

    it("prints the calibrated prediction first, labels the idealized rows as upper bounds, and says which relaxation it used", async () => {
      await simulateAction({ ...base, file });
      const text = log.join("\n");
      expect(text).to.match(
        /predicted speedup: engine profile pevm-graviton3-c12 \(AWS c7g\.8xlarge, Graviton3.*validation: median abs error/,
      );
      expect(text).to.match(/upper bounds, not predictions/);
      expect(text).to.match(/relaxes dependencies for scheduling only/);
      const expected = committedPrediction("pevm-graviton3-c12", 12520364).toFixed(2);
      expect(text).to.include(`${expected}x @12`);
    });

    it("names the known profiles on a bad --engine, and --engine none keeps the idealized model only", async () => {
      await simulateAction({ ...base, file, engine: "geth" });
      expect(process.exitCode).to.equal(1);
      expect(log.join("\n")).to.match(
        /--engine: unknown engine profile "geth" \(known: pevm-graviton3-c12, pevm-i9-12900k-c8\).*or "none"/,
      );
      log = [];
      process.exitCode = 0;
      await simulateAction({ ...base, file, engine: "none" });
      expect(process.exitCode).to.equal(0);
      expect(log.join("\n")).to.match(/--engine none: idealized model only/);
      expect(log.join("\n")).to.not.match(/predicted speedup/);
    });
  });
});
