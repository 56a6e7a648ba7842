import { expect } from "chai";
import type { AccessSetFile, TxAccess } from "../../src/access/index.js";
import {
  EDGE_RAW,
  EDGE_WAR,
  EDGE_WW,
  fieldDependencyMode,
  fieldDependencyNeeds,
  NEEDS_FEE_RECIPIENT,
  NEEDS_SENDER,
  type DependencyOptions,
} from "../../src/model/dependency.js";
import { analyze, checkDeclared, renderMarkdown, renderText } from "../../src/conflicts/index.js";

const X = "0x" + "aa".repeat(20);
const Y = "0x" + "bb".repeat(20);
const C = "0x" + "cc".repeat(20);
const slot = (n: number) => "0x" + n.toString(16).padStart(64, "0");
const sender = (n: number) => "0x" + n.toString(16).padStart(40, "0");

function tx(index: number, fn: string, reads: number[], writes: number[]): TxAccess {
  const r = [...new Set([...reads, ...writes])].map((s): [string, string] => [X, slot(s)]);
  return {
    index,
    hash: null,
    from: sender(100 + index),
    to: X,
    selector: "0x00000001",
    function: fn,
    gasUsed: 1000 * (index + 1),
    storage: { reads: r, writes: writes.map((s): [string, string] => [X, slot(s)]) },
    // Every tx pays the fee recipient (a credit: written, not read) and bumps its own nonce.
    accounts: {
      reads: [],
      writes: [
        [C, "balance"],
        [sender(100 + index), "nonce"],
      ],
    },
  };
}

function file(blocks: TxAccess[][]): AccessSetFile {
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description: "hand-built" },
    precision: { reads: "tx", writes: "tx" },
    blocks: blocks.map((txs, i) => ({ number: 10 + i, hash: null, coinbase: C, txs })),
    names: { accounts: { [X]: "Pool" }, slots: { [`${X}:${slot(1)}`]: "Pool.reserve0", [`${X}:${slot(2)}`]: "Pool.reserve1" } },
  };
}

// tx0 writes s1; tx1 reads s1 (RAW 0->1); tx2 reads s2; tx3 writes s2 (WAR 2->3);
// tx4 writes s1 (WW 0->4, WAR 1->4); tx5 reads s3 only (independent).
const block = [
  tx(0, "Pool.swap", [], [1]),
  tx(1, "Pool.quote", [1], []),
  tx(2, "Pool.quote", [2], []),
  tx(3, "Pool.sync", [], [2]),
  tx(4, "Pool.swap", [], [1]),
  tx(5, "Pool.peek", [3], []),
];

describe("conflict analysis on hand-built access sets", function () {
  it("builds exactly the expected edges, kinds and keys", function () {
    const { graph } = analyze(file([block]));
    const edges = [...Array(graph.edges.count).keys()].map((i) => [
      graph.edges.from[i],
      graph.edges.to[i],
      graph.edges.kind[i],
      graph.keyField.at(graph.edges.key[i]),
    ]);
    expect(edges).to.deep.equal([
      [0, 1, EDGE_RAW, slot(1)],
      [2, 3, EDGE_WAR, slot(2)],
      [0, 4, EDGE_WW, slot(1)],
      [1, 4, EDGE_WAR, slot(1)],
    ]);
  });

  it("computes conflict rate, components, chain, hot slots and the function matrix", function () {
    const { result: r } = analyze(file([block]));
    expect(r.txs).to.equal(6);
    expect(r.edges).to.deep.equal({ total: 4, raw: 1, ww: 1, war: 2 });
    expect(r.conflictingTxs).to.equal(5);
    expect(Math.abs(r.conflictRate - 5 / 6)).to.be.lessThan(1e-12);
    expect(r.dependentTxs).to.equal(2);
    expect(r.components).to.deep.include({ count: 3, largest: 3, singletons: 1 });
    expect(r.longestChain.length).to.equal(2);
    expect(r.longestChain.txs.map((t) => t.index)).to.deep.equal([0, 1]);
    // Critical path by gas: tx0 (1000) -> tx4 (5000).
    expect(r.criticalPathGas).to.equal(6000);
    expect(r.totalGas).to.equal(21000);
    expect(r.hotSlots[0]).to.deep.include({ name: "Pool.reserve0", serialized: 2, writers: 2, txs: 3 });
    expect(r.hotSlots[1]).to.deep.include({ name: "Pool.reserve1", serialized: 0, writers: 1, txs: 2 });
    const cell = (a: string, b: string) => r.matrix.find((c) => c.earlier === a && c.later === b);
    expect(cell("Pool.swap", "Pool.swap")).to.deep.include({ ww: 1, raw: 0, war: 0 });
    expect(cell("Pool.swap", "Pool.swap")!.on).to.deep.equal([{ kind: "write-write", variable: "Pool.reserve0", edges: 1 }]);
    expect(cell("Pool.quote", "Pool.sync")!.on[0]).to.deep.equal({ kind: "write-after-read", variable: "Pool.reserve1", edges: 1 });
    expect(r.notes.join(" ")).to.contain("fee recipient: its balance credits are excluded");
    expect(renderText(r)).to.contain("Pool.swap").and.to.contain("write-write on Pool.reserve0");
    expect(renderMarkdown(r)).to.contain("| Pool.swap | Pool.swap | 1 | 0 | 0 | write-write on Pool.reserve0 |");
  });

  it("counts the fee recipient only when asked, and says so", function () {
    const { result: r } = analyze(file([block]), { feeRecipientCredit: "included" });
    // The coinbase balance chains every tx: 0-1, 1-2, 2-3, 3-4, 4-5, plus 0-4 and 1-4.
    expect(r.edges.total).to.equal(7);
    expect(r.conflictingTxs).to.equal(6);
    expect(r.components.count).to.equal(1);
    expect(r.longestChain.length).to.equal(6);
    expect(r.notes.join(" ")).to.contain("fee recipient: its balance credits are included");
  });

  it("never links transactions of different blocks", function () {
    const { result: r } = analyze(file([block, [tx(0, "Pool.quote", [1], []), tx(1, "Pool.swap", [], [1])]]));
    // Block 2: only WAR 0->1 on s1 (nothing from block 1's writer of s1).
    expect(r.edges.total).to.equal(5);
    expect(r.perBlock.map((b) => [b.number, b.txs, b.edges])).to.deep.equal([
      [10, 6, 4],
      [11, 2, 1],
    ]);
  });

  it("stays linear on a hot slot: n readers then a writer give n edges, not n^2", function () {
    const n = 2000;
    const txs = [...Array(n).keys()].map((i) => tx(i, "Pool.quote", [1], []));
    txs.push(tx(n, "Pool.swap", [], [1]));
    const { result: r } = analyze(file([txs]));
    expect(r.edges).to.deep.equal({ total: n, raw: 0, ww: 0, war: n });
    expect(r.components.largest).to.equal(n + 1);
    expect(r.longestChain.length).to.equal(1);
  });
});

describe("the dependency rule's needs", function () {
  it("a fact fieldDependencyNeeds leaves out never changes fieldDependencyMode (every mode, field and option)", function () {
    let checked = 0;
    let needed = 0;
    for (const feeRecipientCredit of ["excluded", "included"] as const)
      for (const credits of ["read-modify-write", "commutative"] as const)
        for (const senderNonces of ["ordered", "relaxed"] as const) {
          const opts: DependencyOptions = { feeRecipientCredit, credits, senderNonces };
          for (let observed = 0; observed < 16; observed++)
            for (const field of ["balance", "nonce", "code", "0x01"]) {
              const needs = fieldDependencyNeeds(observed, field, opts);
              if (needs !== 0) needed++;
              for (const fee of [false, true])
                for (const sender of [false, true]) {
                  const m = fieldDependencyMode(observed, field, fee, sender, opts);
                  if ((needs & NEEDS_FEE_RECIPIENT) === 0) expect(fieldDependencyMode(observed, field, !fee, sender, opts)).to.equal(m);
                  if ((needs & NEEDS_SENDER) === 0) expect(fieldDependencyMode(observed, field, fee, !sender, opts)).to.equal(m);
                  checked++;
                }
            }
        }
    expect(checked).to.equal(8 * 16 * 4 * 4);
    // The facts are needed somewhere (the rule does look at them).
    expect(needed).to.be.greaterThan(0);
  });
});

describe("declared vs observed", function () {
  const declaredTx = (): TxAccess => ({
    ...tx(0, "Pool.swap", [2], [1, 3]),
    storage: {
      reads: [
        [X, slot(1)],
        [X, slot(2)],
        [X, slot(3)],
        [Y, slot(9)],
      ],
      writes: [
        [X, slot(1)],
        [X, slot(3)],
        [Y, slot(9)],
      ],
    },
    declared: {
      reads: [[X, slot(1)]],
      writes: [
        [Y, "*"],
        [X, slot(4)],
      ],
      snapshots: [[X, slot(3)]],
    },
  });

  it("names each uncovered access and measures over-declaration", function () {
    const c = checkDeclared(file([[declaredTx()]]));
    expect(c.ok).to.equal(false);
    expect(c.uncovered.map((u) => [u.slot, u.access, u.declared, u.function, u.name])).to.deep.equal([
      [slot(1), "write", "read", "Pool.swap", "Pool.reserve0"],
      [slot(2), "read", "none", "Pool.swap", "Pool.reserve1"],
    ]);
    // Exact declared: s1 (read), s4 (write), s3 (snapshot) -> s4 unused: 1/3.
    expect(c.txs[0].unused.map((u) => u.slot)).to.deep.equal([slot(4)]);
    expect(Math.abs(c.overDeclaration - 1 / 3)).to.be.lessThan(1e-12);
  });

  it("passes when every access is covered (ANY_SLOT covers the account; snapshots count as writes)", function () {
    const t = declaredTx();
    t.declared!.writes.push([X, slot(1)], [X, slot(2)]);
    const c = checkDeclared(file([[t, tx(1, "Pool.peek", [3], [])]]));
    expect(c.ok).to.equal(true);
    expect(c.checkedTxs).to.equal(1);
    expect(c.undeclaredTxs).to.equal(1);
  });
});
