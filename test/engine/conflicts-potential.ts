import { expect } from "chai";
import type { AccessSetFile, TxAccess } from "../../src/access/index.js";
import { adviseOn, potentialConflicts, potentialReport, renderPotentialMarkdown, renderPotentialText } from "../../src/conflicts/index.js";
import { renderReportHtml } from "../../src/report/html.js";
import { reportFromAccessSets } from "../../src/pipeline/index.js";

const TOKEN = "0x" + "aa".repeat(20);
const VAULT = "0x" + "bb".repeat(20);
const COINBASE = "0x" + "cc".repeat(20);
const TALLY = "0x" + "dd".repeat(20);
const user = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const slot = (n: number) => "0x" + n.toString(16).padStart(64, "0");

// Slots: token totalSupply 1, balances[user n] 100+n, balances[vault] 99; vault totalSupply 2,
// price index 3, owner 4, queue length 5; tally total 6, visits[user n] 200+n.
const NAMES: NonNullable<AccessSetFile["names"]> = {
  accounts: { [TOKEN]: "Token", [VAULT]: "Vault", [TALLY]: "Tally" },
  slots: {
    [`${TOKEN}:${slot(1)}`]: "Token._totalSupply",
    [`${TOKEN}:${slot(99)}`]: `Token._balances[${VAULT}]`,
    [`${VAULT}:${slot(2)}`]: "Vault._totalSupply",
    [`${VAULT}:${slot(3)}`]: "Vault.priceIndex",
    [`${VAULT}:${slot(4)}`]: "Vault.owner",
    [`${VAULT}:${slot(5)}`]: "Vault.queue.length",
    [`${TALLY}:${slot(6)}`]: "Tally.total",
  },
};
for (let n = 1; n <= 4; n++) {
  NAMES.slots![`${TOKEN}:${slot(100 + n)}`] = `Token._balances[${user(n)}]`;
  NAMES.slots![`${TALLY}:${slot(200 + n)}`] = `Tally.visits[${user(n)}]`;
}

let nextIndex = 0;
function call(from: number, to: string, fn: string, writes: [string, number][], reads: [string, number][] = []): TxAccess {
  const w = writes.map(([a, s]): [string, string] => [a, slot(s)]);
  return {
    index: 0,
    hash: "0x" + (++nextIndex).toString(16).padStart(64, "0"),
    from: user(from),
    to,
    selector: "0x00000001",
    function: fn,
    gasUsed: 21_000,
    storage: { reads: [...w, ...reads.map(([a, s]): [string, string] => [a, slot(s)])], writes: w },
    // As a capture records a call (src/model/convert.ts): the sender's balance (gas) and nonce
    // are read and written; the fee recipient's balance is written (its fee credit), not read.
    accounts: {
      reads: [
        [user(from), "balance"],
        [user(from), "nonce"],
      ],
      writes: [
        [COINBASE, "balance"],
        [user(from), "balance"],
        [user(from), "nonce"],
      ],
    },
  };
}

/** One transaction a block, as a test run mines them. */
function capture(txs: TxAccess[]): AccessSetFile {
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "workload", description: "hand-built test run" },
    precision: { reads: "tx", writes: "tx" },
    blocks: txs.map((t, i) => ({ number: i + 1, hash: null, coinbase: COINBASE, txs: [t] })),
    names: NAMES,
  };
}

const deposit = (n: number) =>
  call(n, VAULT, "Vault.deposit", [
    [TOKEN, 100 + n],
    [TOKEN, 99],
    [VAULT, 2],
    [VAULT, 3],
  ]);

describe("potential conflicts across senders, and advice", function () {
  it("pairs calls of different senders only; same-sender pairs and creations are excluded", function () {
    const txs = [
      call(1, TALLY, "Tally.visit", [[TALLY, 201]]),
      call(1, TALLY, "Tally.visit", [[TALLY, 201]]),
      call(2, TALLY, "Tally.visit", [[TALLY, 202]]),
      { ...call(3, TALLY, "Tally.constructor", [[TALLY, 6]]), to: null, selector: null },
    ];
    const p = potentialConflicts(capture(txs));
    expect(p.txs).to.equal(3);
    expect(p.singleTxBlocks).to.equal(4);
    // user 1 twice on visits[1], user 2 on visits[2]: nothing is shared across senders.
    expect(p.matrix).to.deep.equal([]);
    expect(p.allKeys).to.deep.equal([]);
  });

  it("counts write-write and read-write function pairs, and excludes the fee recipient unless asked", function () {
    const txs = [
      call(1, TALLY, "Tally.visit", [[TALLY, 6]]),
      call(2, TALLY, "Tally.visit", [[TALLY, 6]]),
      call(3, TALLY, "Tally.read", [], [[TALLY, 6]]),
    ];
    const p = potentialConflicts(capture(txs));
    const cells = p.matrix.map((c) => [c.a, c.b, c.ww, c.rw]);
    expect(cells).to.have.deep.members([
      ["Tally.visit", "Tally.visit", 1, 0],
      ["Tally.visit", "Tally.read", 0, 1],
    ]);
    expect(p.hotKeys.map((k) => [k.name, k.pairs, k.writerTxs, k.writerSenders, k.txs])).to.deep.equal([["Tally.total", 2, 2, 2, 3]]);
    const withFee = potentialConflicts(capture(txs), { includeFeeRecipient: true });
    expect(withFee.allKeys.map((k) => k.slot)).to.include("balance");
  });

  it("keeps the fee recipient's nonce and any read of its balance (only its fee credit is dropped)", function () {
    // The fee recipient sends (a pool payout: its nonce and balance are read and written); another
    // sender's call reads the fee recipient's balance (BALANCE) and pays it a fee: with the read,
    // that fee credit is a read-modify-write of the balance, so the pair is write-write.
    const payout: TxAccess = {
      ...call(1, TALLY, "Pool.payout", []),
      from: COINBASE,
      accounts: {
        reads: [
          [COINBASE, "balance"],
          [COINBASE, "nonce"],
        ],
        writes: [
          [COINBASE, "balance"],
          [COINBASE, "nonce"],
        ],
      },
    };
    const reader = call(2, TALLY, "Tally.checkPool", []);
    reader.accounts.reads.push([COINBASE, "balance"]);
    const p = potentialConflicts(capture([payout, reader]));
    expect(p.allKeys.map((k) => [k.account, k.slot, k.writerTxs, k.txs])).to.deep.equal([[COINBASE, "balance", 2, 2]]);
    expect(p.matrix.map((c) => [c.a, c.b, c.ww, c.rw])).to.deep.equal([["Pool.payout", "Tally.checkPool", 1, 0]]);
  });

  it("classifies totals, the contract's own balance, prices, settings, arrays and per-user entries", function () {
    const txs = [
      deposit(1),
      deposit(2),
      deposit(3),
      call(4, TOKEN, "Token.transfer", [
        [TOKEN, 104],
        [TOKEN, 101],
      ]),
      call(1, TOKEN, "Token.transfer", [
        [TOKEN, 101],
        [TOKEN, 102],
      ]),
      call(1, VAULT, "Vault.setOwner", [[VAULT, 4]]),
      call(2, VAULT, "Vault.enqueue", [[VAULT, 5]], [[VAULT, 4]]),
      call(3, VAULT, "Vault.enqueue", [[VAULT, 5]]),
      call(4, VAULT, "Vault.enqueue", [[VAULT, 5]]),
      call(1, TOKEN, "Token.mint", [
        [TOKEN, 1],
        [TOKEN, 101],
      ]),
      call(2, TOKEN, "Token.mint", [
        [TOKEN, 1],
        [TOKEN, 102],
      ]),
      call(3, TOKEN, "Token.mint", [
        [TOKEN, 1],
        [TOKEN, 103],
      ]),
    ];
    const f = capture(txs);
    const advice = adviseOn(potentialConflicts(f), f);
    const by = new Map(advice.map((a) => [a.subject, a]));
    expect(by.get("Token._totalSupply")?.pattern).to.equal("global-total");
    expect(by.get("Vault._totalSupply")?.pattern).to.equal("global-total");
    expect(by.get("Vault._totalSupply")?.remedy.buildingBlock).to.match(/DisjointVault/);
    expect(by.get(`Token._balances[${VAULT}]`)?.pattern).to.equal("own-balance");
    expect(by.get(`Token._balances[${VAULT}]`)?.remedy.remedy).to.match(/^escrow shards/);
    expect(by.get("Vault.priceIndex")?.pattern).to.equal("price-index");
    expect(by.get("Vault.owner")?.pattern).to.equal("admin-setting");
    expect(by.get("Vault.queue.length")?.pattern).to.equal("enumerable");
    // Users' balances fold into one line per variable: conflicts only when users pay each other.
    const perUser = by.get("Token._balances[]");
    expect(perUser?.pattern).to.equal("per-user");
    expect(perUser?.remedy.fix).to.equal(false);
    expect(perUser?.keys).to.be.greaterThan(1);
    // Lines that need a fix come first.
    const firstFine = advice.findIndex((a) => !a.remedy.fix);
    expect(advice.slice(firstFine).every((a) => !a.remedy.fix)).to.equal(true);
  });

  it("an unnamed slot is advised to be named first; renders text and Markdown", function () {
    const txs = [
      call(1, TALLY, "Tally.visit", [[TALLY, 7]]),
      call(2, TALLY, "Tally.visit", [[TALLY, 7]]),
      call(3, TALLY, "Tally.visit", [[TALLY, 7]]),
    ];
    const r = potentialReport(capture(txs));
    expect(r.advice.map((a) => a.pattern)).to.deep.equal(["unnamed"]);
    expect(r.advice[0].remedy.remedy).to.match(/storageLayout/);
    const text = renderPotentialText(r);
    expect(text).to.include("Tally.visit");
    expect(text).to.include("3 of 3 blocks hold one transaction");
    expect(renderPotentialMarkdown(r)).to.include("### Advice");
  });

  it("the HTML report of a many-block capture carries the advice; a one-block file has none", function () {
    const txs = [
      call(1, TALLY, "Tally.visit", [[TALLY, 6]]),
      call(2, TALLY, "Tally.visit", [[TALLY, 6]]),
      call(3, TALLY, "Tally.visit", [[TALLY, 6]]),
    ];
    const data = reportFromAccessSets(capture(txs), "test");
    expect(data.advice?.map((a) => [a.subject, a.pattern, a.fix])).to.deep.equal([["Tally.total", "global-total", true]]);
    const html = renderReportHtml(data, { echartsSource: "" });
    expect(html).to.include("Potential conflicts across senders, and the fix");
    expect(html).to.include("sharded totals");
    const one = capture(txs);
    one.blocks = [{ ...one.blocks[0], txs: txs.map((t, i) => ({ ...t, index: i })) }];
    expect(reportFromAccessSets(one, "test").advice).to.equal(undefined);
  });
});
