import { UsageError } from "../../src/errors.js";
import { checkDeclared } from "../../src/conflicts/index.js";
import { expect } from "chai";
import type { AccessSetFile, BlockAccess, TxAccess } from "../../src/access/format.js";
import {
  checkScheduleShape,
  checkSerialEquivalence,
  prepareBlock,
  simulateBlockStm,
  simulateDag,
  simulateDagMany,
  simulateFile,
  simulateLocks,
  simulateSerial,
  syntheticBlock,
  type PreparedBlock,
  type SimulationResult,
  type SyntheticTx,
} from "../../src/schedule/index.js";
import { createRng } from "../../src/util/random.js";

/** A seeded PRNG (the workload generators') so that failures reproduce. */
function prng(seed: number) {
  const next = createRng(seed);
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

/** A random block: few locations so that conflicts are common; some SNAPSHOT-mode slots. */
function randomBlock(
  rnd: ReturnType<typeof prng>,
  n: number,
  nLoc: number,
  opts: { snapshots?: boolean; declared?: boolean } = {},
): SyntheticTx[] {
  const snapLoc = opts.snapshots ? nLoc : -1; // one extra location used only in SNAPSHOT mode
  return Array.from({ length: n }, () => {
    const reads = Array.from({ length: rnd.int(0, 3) }, () => rnd.int(0, nLoc - 1));
    const writes = Array.from({ length: rnd.int(0, 2) }, () => rnd.int(0, nLoc - 1));
    const tx: SyntheticTx = { cost: rnd.int(1, 10), reads, writes };
    if (snapLoc >= 0 && rnd.next() < 0.5) {
      // A snapshot user reads the slot; some also (re)take it, writing the same per-block value.
      tx.reads.push(snapLoc);
      if (rnd.next() < 0.5) tx.writes.push(snapLoc);
      tx.snapshots = [snapLoc];
    }
    if (opts.declared && rnd.next() < 0.7) {
      // A sound over-declaration: observed sets plus some extra slots.
      const extra = Array.from({ length: rnd.int(0, 2) }, () => rnd.int(0, nLoc - 1));
      tx.declared = {
        reads: [...tx.reads.filter((l) => l !== snapLoc), ...extra],
        writes: tx.writes.filter((l) => l !== snapLoc),
        snapshots: tx.snapshots ?? [],
      };
    }
    return tx;
  });
}

/**
 * The brute-force reference, written independently of the engine: for each read (a write
 * implies a read, src/model/dependency.ts), scan all
 * earlier transactions for the latest write (skipping SNAPSHOT-mode writes for SNAPSHOT-mode
 * reads when snapshot-aware); and the longest path of the resulting read-from relation.
 */
function reference(txs: SyntheticTx[], snapshotAware: boolean) {
  const isSnap = (t: SyntheticTx, l: number) => snapshotAware && (t.snapshots ?? t.declared?.snapshots ?? []).includes(l);
  const versions = txs.map((t, i) =>
    [...new Set([...t.reads, ...t.writes])]
      .sort((a, b) => a - b)
      .map((l) => {
        for (let j = i - 1; j >= 0; j--) {
          if (!txs[j].writes.includes(l)) continue;
          if (isSnap(t, l) && isSnap(txs[j], l)) continue;
          return j;
        }
        return -1;
      }),
  );
  const finish: number[] = [];
  txs.forEach((t, i) => (finish[i] = Math.max(0, ...versions[i].filter((j) => j >= 0).map((j) => finish[j])) + t.cost));
  return { versions, criticalPath: Math.max(0, ...finish), work: txs.reduce((s, t) => s + t.cost, 0) };
}

function expectEquivalent(block: PreparedBlock, txs: SyntheticTx[], r: SimulationResult, what: string) {
  const snapshotAware = r.scheduler === "dag" || r.scheduler === "locks";
  const ref = reference(txs, snapshotAware);
  expect(
    r.observed!.map((v) => [...v]),
    `${what}: observed versions`,
  ).to.deep.equal(ref.versions);
  expect(checkSerialEquivalence(block, r), what).to.deep.equal([]);
  expect(checkScheduleShape(block, r), what).to.deep.equal([]);
}

describe("schedule engine", function () {
  describe("brute-force check on small random blocks", function () {
    it("every schedule is equivalent to serial order and none beats the dag bound (400 blocks of <= 8 txs)", function () {
      const rnd = prng(7);
      let stmAborts = 0;
      for (let trial = 0; trial < 400; trial++) {
        const txs = randomBlock(rnd, rnd.int(1, 8), rnd.int(1, 4), { snapshots: trial % 2 === 0, declared: trial % 3 !== 0 });
        const block = syntheticBlock(txs);
        const threads = rnd.int(1, 6);
        const bound = reference(txs, true);
        const lower = Math.max(bound.criticalPath, bound.work / threads);
        const runs: SimulationResult[] = [
          simulateSerial(block, { recordReads: true }),
          simulateDag(block, { threads, recordReads: true }),
          simulateBlockStm(block, { threads, recordReads: true, validationFraction: rnd.next() * 0.3 }),
          simulateBlockStm(block, { threads, recordReads: true, validationFraction: 0, suspendFraction: rnd.int(0, 2) / 4 }),
          simulateLocks(block, { threads, recordReads: true }),
        ];
        for (const r of runs) {
          const what = `trial ${trial} ${r.scheduler} on ${threads} threads`;
          expect(r.sound, what).to.equal(true);
          expectEquivalent(block, txs, r, what);
          expect(r.makespan, `${what} beats the dag bound ${lower}`).to.be.gte(lower - 1e-9);
        }
        // Block-STM does not know SNAPSHOT semantics: it is bound by the plain RAW critical path.
        const plain = reference(txs, false).criticalPath;
        expect(runs[2].makespan).to.be.gte(plain - 1e-9);
        stmAborts += runs[2].aborts + runs[2].reExecutions;
        expect(runs[1].criticalPath).to.equal(bound.criticalPath);
      }
      expect(stmAborts, "random blocks exercise Block-STM's abort paths").to.be.greaterThan(50);
    });

    it("detects a schedule that is not equivalent: an under-declared tx under locks", function () {
      // tx0 writes slot 0; tx1 reads it but declares only slot 1, so locks runs them together.
      const txs: SyntheticTx[] = [
        { cost: 5, reads: [], writes: [0], declared: { reads: [], writes: [0] } },
        { cost: 5, reads: [0], writes: [1], declared: { reads: [], writes: [1] } },
      ];
      const block = syntheticBlock(txs);
      const r = simulateLocks(block, { threads: 2, recordReads: true });
      expect(r.sound).to.equal(false);
      expect(r.underDeclared).to.deep.equal([{ tx: 1, address: "loc0", slot: "", access: "read", declared: "none" }]);
      expect(checkSerialEquivalence(block, r)).to.deep.equal([{ tx: 1, location: "loc0", expected: 0, observed: -1 }]);
    });
  });

  describe("properties over random blocks", function () {
    it("more threads never hurts dag", function () {
      const rnd = prng(11);
      for (let trial = 0; trial < 40; trial++) {
        const block = syntheticBlock(randomBlock(rnd, 60, rnd.int(3, 30)));
        const rs = simulateDagMany(
          block,
          Array.from({ length: 16 }, (_, i) => i + 1),
        );
        for (let i = 1; i < rs.length; i++) expect(rs[i].makespan).to.be.lte(rs[i - 1].makespan);
        expect(rs[15].makespan).to.be.gte(rs[15].lowerBound! - 1e-9);
      }
    });

    it("with no conflicts Block-STM reaches N-fold speedup up to rounding", function () {
      const rnd = prng(3);
      for (const threads of [1, 2, 4, 8, 16, 32]) {
        const equal = syntheticBlock(Array.from({ length: 256 }, (_, i) => ({ cost: 100, reads: [2 * i], writes: [2 * i + 1] })));
        const r = simulateBlockStm(equal, { threads, validationFraction: 0, suspendFraction: 0 });
        expect(r.makespan).to.equal((256 * 100) / threads);
        expect(r.aborts).to.equal(0);
        const mixedTxs = Array.from({ length: 200 }, (_, i) => ({ cost: rnd.int(1, 50), reads: [i], writes: [i] }));
        const mixed = syntheticBlock(mixedTxs);
        const m = simulateBlockStm(mixed, { threads, validationFraction: 0 });
        const work = mixedTxs.reduce((s, t) => s + t.cost, 0);
        // Greedy assignment: within one max cost of perfect division.
        expect(m.makespan).to.be.lte(work / threads + 50);
        expect(m.reExecutions).to.equal(0);
      }
    });

    it("a block of one hot slot is serial under every scheduler", function () {
      const rnd = prng(5);
      const txs = Array.from({ length: 50 }, () => ({ cost: rnd.int(1, 20), reads: [0], writes: [0] }));
      const block = syntheticBlock(txs);
      const work = txs.reduce((s, t) => s + t.cost, 0);
      for (const threads of [2, 8, 32]) {
        expect(simulateDag(block, { threads }).makespan).to.equal(work);
        expect(simulateLocks(block, { threads }).makespan).to.equal(work);
        const stm = simulateBlockStm(block, { threads, recordReads: true });
        expect(stm.makespan).to.be.gte(work);
        expect(checkSerialEquivalence(block, stm)).to.deep.equal([]);
        expect(stm.aborts).to.be.greaterThan(0);
      }
    });
  });

  describe("Block-STM model", function () {
    it("records a timeline with committed, aborted and suspended incarnations", function () {
      const txs = Array.from({ length: 12 }, (_, i) => ({ cost: 10, reads: [0, i + 1], writes: [0] }));
      const block = syntheticBlock(txs);
      const r = simulateBlockStm(block, { threads: 4, timeline: true });
      const tl = r.timeline!;
      const committed = tl.filter((b) => b.kind === "execute" && b.outcome === "committed");
      expect(committed.map((b) => b.tx).sort((a, b) => a - b)).to.deep.equal(txs.map((_, i) => i));
      expect(tl.some((b) => b.outcome === "aborted" || b.outcome === "suspended")).to.equal(true);
      expect(r.blockStm!.executions).to.equal(tl.filter((b) => b.kind === "execute").length);
      expect(r.blockStm!.validations).to.equal(tl.filter((b) => b.kind === "validate").length);
      // Wasted work is exactly the execution time of non-committed execute bars.
      const wasted = tl.filter((b) => b.kind === "execute" && b.outcome !== "committed").reduce((s, b) => s + b.end - b.start, 0);
      expect(r.wastedWork).to.equal(wasted);
      for (const b of tl) expect(b.end).to.be.lte(r.makespan);
    });

    it("rejects bad options", function () {
      const block = syntheticBlock([{ cost: 1, reads: [], writes: [] }]);
      expect(() => simulateBlockStm(block, { threads: 0 })).to.throw(/threads/);
      expect(() => simulateBlockStm(block, { threads: 2, validationFraction: -1 })).to.throw(/validationFraction/);
    });
  });

  it("handles an empty block", function () {
    const empty = syntheticBlock([]);
    for (const r of [
      simulateSerial(empty),
      simulateDag(empty, { threads: 4 }),
      simulateBlockStm(empty, { threads: 4 }),
      simulateLocks(empty, { threads: 4 }),
    ]) {
      expect(r.makespan, r.scheduler).to.equal(0);
    }
  });

  describe("locks model", function () {
    it("runs SNAPSHOT/SNAPSHOT in parallel but orders SNAPSHOT against READ", function () {
      const snap = syntheticBlock([
        { cost: 10, reads: [0], writes: [0], declared: { reads: [], writes: [], snapshots: [0] } },
        { cost: 10, reads: [0], writes: [], declared: { reads: [], writes: [], snapshots: [0] } },
      ]);
      expect(simulateLocks(snap, { threads: 2 }).makespan).to.equal(10);
      const mixed = syntheticBlock([
        { cost: 10, reads: [0], writes: [0], declared: { reads: [], writes: [], snapshots: [0] } },
        { cost: 10, reads: [0], writes: [], declared: { reads: [0], writes: [] } },
      ]);
      expect(simulateLocks(mixed, { threads: 2 }).makespan).to.equal(20);
    });
  });

  describe("access-set blocks", function () {
    const addr = (k: number) => "0x" + k.toString(16).padStart(40, "0");
    const slot = (k: number) => "0x" + k.toString(16).padStart(64, "0");
    const coinbase = addr(0xc0);
    const tx = (index: number, over: Partial<TxAccess>): TxAccess => ({
      index,
      hash: null,
      from: addr(0x100 + index),
      to: addr(1),
      selector: null,
      gasUsed: 21000,
      storage: { reads: [], writes: [] },
      accounts: { reads: [], writes: [[coinbase, "balance"]] },
      ...over,
    });
    const block = (txs: TxAccess[]): BlockAccess => ({ number: 7, hash: null, coinbase, txs });

    it("excludes fee-recipient credits by default, never its balance reads or its nonce", function () {
      const b = block([tx(0, {}), tx(1, {})]);
      expect(simulateDag(prepareBlock(b), { threads: 2 }).makespan).to.equal(21000);
      expect(prepareBlock(b).notes.join()).to.match(/fee recipient: its balance credits are excluded/);
      // Included, a credit is read-modify-write by default (serial), commutative on request.
      expect(simulateDag(prepareBlock(b, { dependency: { feeRecipientCredit: "included" } }), { threads: 2 }).makespan).to.equal(42000);
      const lazy = prepareBlock(b, { dependency: { feeRecipientCredit: "included", credits: "commutative" } });
      expect(simulateDag(lazy, { threads: 2 }).makespan).to.equal(21000);
      expect(lazy.notes.join()).to.match(/balance credits without a read: commutative/);
      // A transaction that reads the fee recipient's balance depends on the credit before it.
      const rw = block([0, 1].map((i) => tx(i, { accounts: { reads: [[coinbase, "balance"]], writes: [[coinbase, "balance"]] } })));
      expect(simulateDag(prepareBlock(rw), { threads: 2 }).makespan).to.equal(42000);
      // The fee recipient sending transactions (a payout block): serial through its nonce.
      const payout = block(
        [0, 1].map((i) =>
          tx(i, {
            from: coinbase,
            accounts: {
              reads: [[coinbase, "nonce"]],
              writes: [
                [coinbase, "nonce"],
                [coinbase, "balance"],
              ],
            },
          }),
        ),
      );
      expect(simulateDag(prepareBlock(payout), { threads: 2 }).makespan).to.equal(42000);
      expect(simulateDag(prepareBlock(payout, { dependency: { senderNonces: "relaxed" } }), { threads: 2 }).makespan).to.equal(21000);
    });

    it("counts block-level reads of written slots as read by every tx, and ignores the rest", function () {
      const pool = addr(0x50);
      const b: BlockAccess = {
        ...block([
          tx(0, { storage: { reads: [], writes: [[pool, slot(1)]] } }),
          tx(1, { storage: { reads: [], writes: [[pool, slot(2)]] } }),
        ]),
        blockReads: [
          [pool, slot(1)],
          [pool, slot(9)],
        ],
      };
      const p = prepareBlock(b);
      expect(p.notes.join()).to.match(/1 are of slots no tx writes .*1 of written slots assumed read by every tx/);
      // tx1 is now assumed to read tx0's write: serial.
      expect(simulateDag(p, { threads: 2 }).makespan).to.equal(42000);
      expect(simulateDag(prepareBlock({ ...b, blockReads: [[pool, slot(9)]] }), { threads: 2 }).makespan).to.equal(21000);
    });

    it("uses a named cost column and names the missing one", function () {
      const b = block([tx(0, { costs: { time: 3 } }), tx(1, { costs: { time: 5 } })]);
      expect(simulateSerial(prepareBlock(b, { cost: "time" })).makespan).to.equal(8);
      expect(() => prepareBlock(b, { cost: "cycles" })).to.throw(
        UsageError,
        /no cost column "cycles" \(it has: gasUsed, accesses, unit, time\)/,
      );
    });

    it("treats '*' as the whole account and reports which tx and slot are under-declared", function () {
      const token = addr(0x70);
      const b = block([
        tx(0, { storage: { reads: [[token, slot(1)]], writes: [[token, slot(1)]] }, declared: { reads: [], writes: [[token, "*"]] } }),
        tx(1, { storage: { reads: [[token, slot(2)]], writes: [] }, declared: { reads: [[token, slot(2)]], writes: [] } }),
      ]);
      const p = prepareBlock(b);
      expect(p.underDeclared).to.deep.equal([]);
      // tx1's slot lock conflicts with tx0's whole-account write lock.
      expect(simulateLocks(p, { threads: 2 }).makespan).to.equal(42000);
      expect(simulateDag(p, { threads: 2 }).makespan).to.equal(21000);
      const bad = block([
        tx(0, {
          function: "Pool.swap",
          storage: { reads: [[token, slot(3)]], writes: [[token, slot(4)]] },
          declared: { reads: [[token, slot(4)]], writes: [] },
        }),
      ]);
      expect(prepareBlock(bad).underDeclared).to.deep.equal([
        { tx: 0, function: "Pool.swap", address: token, slot: slot(4), access: "write", declared: "read" },
        { tx: 0, function: "Pool.swap", address: token, slot: slot(3), access: "read", declared: "none" },
      ]);
    });

    describe("snapshot takers under locks", function () {
      // A vault-like contract: word = the per-block snapshot (SNAPSHOT|READ), shards 1..4 its
      // inputs (SNAPSHOT); each user writes its own shard. tx0 takes the snapshot.
      const vault = addr(0x90);
      const word = slot(0);
      const shards = [1, 2, 3, 4].map(slot);
      const declared = (own: number) => ({
        reads: [[vault, word]] as [string, string][],
        writes: [[vault, shards[own]]] as [string, string][],
        snapshots: [[vault, word], ...shards.map((s) => [vault, s])] as [string, string][],
      });
      const taker = (i: number, own: number): TxAccess =>
        tx(i, {
          storage: {
            reads: [[vault, word], ...shards.map((s): [string, string] => [vault, s])],
            writes: [
              [vault, word],
              [vault, shards[own]],
            ],
          },
          declared: declared(own),
        });
      const follower = (i: number, own: number): TxAccess =>
        tx(i, {
          storage: {
            reads: [
              [vault, word],
              [vault, shards[own]],
            ],
            writes: [[vault, shards[own]]],
          },
          declared: declared(own),
        });

      it("runs later users of other shards in parallel once the first interaction took the snapshot", function () {
        const p = prepareBlock(block([taker(0, 0), follower(1, 1), follower(2, 2), follower(3, 3), follower(4, 0)]));
        expect(p.underDeclared).to.deep.equal([]);
        const r = simulateLocks(p, { threads: 4, recordReads: true });
        // tx0, then tx1..tx3 side by side, tx4 (tx0's shard) after tx0: 2 x 21,000 in all.
        expect(r.makespan).to.equal(42000);
        expect(checkSerialEquivalence(p, r)).to.deep.equal([]);
        // Without a taker (no one writes the word), every input lock stays: serial.
        const none = prepareBlock(
          block(
            [1, 2, 3].map((i) => tx(i - 1, { ...follower(i - 1, i), storage: { reads: [[vault, word]], writes: [[vault, shards[i]]] } })),
          ),
        );
        expect(simulateLocks(none, { threads: 4 }).makespan).to.equal(63000);
      });

      it("keeps a write of an input after the taker ordered after it", function () {
        const p = prepareBlock(block([taker(0, 0), follower(1, 1)]));
        const r = simulateLocks(p, { threads: 2, recordReads: true });
        expect(r.start![1]).to.equal(21000);
        expect(checkSerialEquivalence(p, r)).to.deep.equal([]);
      });

      it("reports a later transaction that reads an input of a snapshot already taken as uncovered", function () {
        const broken = tx(1, {
          function: "Vault.deposit",
          storage: {
            reads: [
              [vault, word],
              [vault, shards[2]],
            ],
            writes: [[vault, shards[1]]],
          },
          declared: declared(1),
        });
        const p = prepareBlock(block([taker(0, 0), broken]));
        expect(p.underDeclared).to.deep.equal([
          { tx: 1, function: "Vault.deposit", address: vault, slot: shards[2], access: "read", declared: "none" },
        ]);
        expect(simulateLocks(p, { threads: 2 }).sound).to.equal(false);
        // check-declared applies the same coverage check: the block does not pass it either.
        const file: AccessSetFile = {
          format: "disjoint.access-sets",
          version: 1,
          source: { kind: "synthetic", description: "snapshot follower" },
          precision: { reads: "tx", writes: "tx" },
          blocks: [block([taker(0, 0), broken])],
        };
        const c = checkDeclared(file);
        expect(c.ok).to.equal(false);
        expect(c.uncovered.map((u) => [u.index, u.slot, u.access])).to.deep.equal([[1, shards[2], "read"]]);
      });
    });

    it("simulates a file, reports unsound locks and aggregates over blocks", function () {
      const token = addr(0x70);
      const good = block([0, 1, 2, 3].map((i) => tx(i, { storage: { reads: [[token, slot(i)]], writes: [[token, slot(i)]] } })));
      const bad = { ...good, number: 8, txs: good.txs.map((t) => ({ ...t, declared: { reads: [], writes: [] } })) };
      const report = simulateFile(
        {
          format: "disjoint.access-sets",
          version: 1,
          source: { kind: "synthetic", description: "test" },
          precision: { reads: "tx", writes: "tx" },
          blocks: [good, bad],
        },
        { threads: [1, 4] },
      );
      const row = (s: string, t: number) => report.aggregate.find((r) => r.scheduler === s && r.threads === t)!;
      expect(row("dag", 4).speedup).to.equal(4);
      expect(row("serial", 1).speedup).to.equal(1);
      expect(row("serial", 4)).to.equal(undefined);
      expect(row("locks", 4).blocks).to.equal(1);
      expect(row("locks", 4).unsoundBlocks).to.equal(1);
      expect(report.blocks[1].rows.find((r) => r.scheduler === "locks")!.makespan).to.equal(null);
      // Four writes outside the declaration (their implied reads are not counted twice).
      expect(report.blocks[1].underDeclared!.length).to.equal(4);
      // Plain arithmetic: the chai matchers plugin reads closeTo() arguments as bigints.
      expect(Math.abs(row("block-stm", 4).speedup! - 4 / 1.05)).to.be.lessThan(1e-9);
      expect(report.dependency.feeRecipientCredit).to.equal("excluded");
    });
  });
});
