import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, jsonRpc, killGroup as kill, ROOT, sleep, spawnCli, startHardhatNode, within } from "../helpers/node.js";

/**
 * Kill-and-resume: a `hardhat node` child on a loopback port with automine off; `suite deploy`
 * in a second child while the test mines one block at a time; the deploy child is SIGKILLed as
 * soon as Ignition's journal records its first deployed contract; the rerun must finish
 * from the journal: same addresses, no contract deployed twice, no stray transaction.
 */
const DEPLOYMENT_ID = `test-resume-${process.pid}`;
const GAP_ID = `${DEPLOYMENT_ID}-gap`;
const ORPHAN_ID = `${DEPLOYMENT_ID}-orphan`;
const JOURNAL_DIRS = [DEPLOYMENT_ID, GAP_ID, ORPHAN_ID]
  .flatMap((id) => [id, `${id}-mocks`])
  .map((id) => join(ROOT, "ignition", "deployments", id));
const journalFile = (id: string) => join(ROOT, "ignition", "deployments", id, "journal.jsonl");

interface JournalLine {
  type: string;
  futureId?: string;
  result?: { type: string; address?: string };
  nonce?: number;
  transaction?: { hash: string };
}

/** The lines of one journal (0: the suite, 1: the local mocks). */
function readJournal(which = 0, id = DEPLOYMENT_ID): JournalLine[] {
  const file = journalFile(which === 0 ? id : `${id}-mocks`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JournalLine];
      } catch {
        return []; // a line cut by the kill
      }
    });
}

const deployed = (lines: JournalLine[]) =>
  new Map(
    lines
      .filter((l) => l.type === "DEPLOYMENT_EXECUTION_STATE_COMPLETE" && l.result?.type === "SUCCESS")
      .map((l) => [l.futureId!, l.result!.address!]),
  );

describe("suite deploy: a killed deployment resumes (hardhat node child process)", function () {
  this.timeout(240_000);
  const children: ChildProcess[] = [];
  const out = mkdtempSync(join(tmpdir(), "disjoint-resume-"));
  let url = "";
  const rpc = jsonRpc(() => url);

  function start(args: string[]) {
    const c = spawnCli(args);
    children.push(c.child);
    return c;
  }

  const deployArgs = (id = DEPLOYMENT_ID) => [
    "suite",
    "deploy",
    "--network",
    "localhost",
    "--rpc-url",
    url,
    "--parameters",
    "deploy/parameters/local.json",
    "--deployment-id",
    id,
    "--out",
    out,
  ];

  /** Runs a deploy child to its end (bounded); returns its exit code and output. */
  async function runToEnd(id: string): Promise<{ code: number | null | "timeout"; text: string }> {
    const run = start(deployArgs(id));
    const code = await within(run.exited, 150_000);
    return { code, text: run.output() };
  }

  /**
   * Starts a deploy child with automine off and mines a block at a time until the suite's
   * journal has a deployed contract; then stops mining, waits until the journal is quiet (the
   * run is waiting for its sent transactions to be mined, all of them journaled) and kills it.
   */
  async function killAfterFirstContract(id: string): Promise<void> {
    await rpc("evm_setAutomine", [false]);
    const run = start(deployArgs(id));
    const deadline = Date.now() + 120_000;
    const alive = () => {
      if (Date.now() > deadline) throw new Error(`deploy did not reach the kill point in time:\n${run.output()}`);
      if (run.child.exitCode !== null) throw new Error(`deploy exited early (${run.child.exitCode}):\n${run.output()}`);
    };
    while (deployed(readJournal(0, id)).size === 0) {
      alive();
      await rpc("evm_mine");
      await sleep(200);
    }
    for (let size = -1, quietSince = Date.now(); Date.now() - quietSince < 1500; await sleep(100)) {
      alive();
      const now = readJournal(0, id).length;
      if (now !== size) [size, quietSince] = [now, Date.now()];
    }
    kill(run.child);
    await run.exited;
  }

  before(async function () {
    for (const d of JOURNAL_DIRS) rmSync(d, { recursive: true, force: true });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    children.push((await startHardhatNode(port)).child);
  });

  after(async function () {
    for (const c of children) {
      kill(c);
      c.stdout?.destroy();
      c.stderr?.destroy();
    }
    for (const d of JOURNAL_DIRS) rmSync(d, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it("keeps the contracts deployed before the kill and deploys only the rest", async function () {
    await killAfterFirstContract(DEPLOYMENT_ID);
    const before = deployed(readJournal());
    const linesBefore = readJournal().length;
    const mocksBefore = deployed(readJournal(1));
    expect(mocksBefore.size, "the mocks were deployed before the suite").to.equal(3);
    expect(before.size).to.be.greaterThan(0);
    expect(before.size, "killed midway: the router waits on the factory").to.be.lessThan(4);
    expect(existsSync(join(out, "31337.json")), "the killed run wrote no record").to.equal(false);

    await rpc("evm_setAutomine", [true]);
    await rpc("evm_mine"); // anything the killed run left in the mempool
    const { code, text } = await runToEnd(DEPLOYMENT_ID);
    expect(code, text).to.equal(0);

    const journal = readJournal();
    const after = deployed(journal);
    // Every contract of the first run kept its address, and the rerun started none of them again.
    for (const [id, address] of before) expect(after.get(id), id).to.equal(address);
    const restarted = journal
      .slice(linesBefore)
      .filter((l) => l.type === "DEPLOYMENT_EXECUTION_STATE_INITIALIZE" && before.has(l.futureId!));
    expect(restarted, "futures re-initialized by the rerun").to.deep.equal([]);
    // No contract deployed twice, no stray transaction: the deployer's nonce equals the number of
    // nonces Ignition sent (plus the acceptOwnership of the market and the vault).
    const all = [...journal, ...readJournal(1)];
    const sentNonces = new Set(all.filter((l) => l.type === "TRANSACTION_SEND").map((l) => l.nonce));
    const record = JSON.parse(readFileSync(join(out, "31337.json"), "utf8")) as { deployer: string; contracts: Record<string, string> };
    const nonce = Number(await rpc("eth_getTransactionCount", [record.deployer, "latest"]));
    expect(nonce).to.equal(sentNonces.size + 2 + 2); // + the two mock tokens' layout registrations
    expect([...after.keys()].sort()).to.deep.equal([
      "DisjointDex#DisjointFactory",
      "DisjointDex#DisjointRouter",
      "DisjointDexBatch#DisjointBatchPool",
      "DisjointLending#LendingMarket",
      "DisjointTokenLayouts#TokenLayoutRegistry",
      "DisjointVault#DisjointVault",
    ]);
    expect(deployed(readJournal(1))).to.deep.equal(mocksBefore);
    expect(record.contracts["dex.factory"]).to.equal(after.get("DisjointDex#DisjointFactory"));
    expect(record.contracts["mocks.loanToken"]).to.equal(mocksBefore.get("DisjointMocks#LoanToken"));
    for (const a of Object.values(record.contracts)) expect(await rpc("eth_getCode", [a, "latest"])).to.not.equal("0x");
    expect(text).to.match(/wrote .*31337\.json/);
  });

  it("resumes a run killed after a future started but before its transaction was requested", async function () {
    await killAfterFirstContract(GAP_ID);
    // Cut the journal where such a kill leaves it: right after the last future start whose
    // later transactions are all still unmined, and drop those transactions from the mempool
    // (a run killed at that line had not sent them).
    const file = journalFile(GAP_ID);
    const raw = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const lines = raw.map((l) => JSON.parse(l) as JournalLine);
    const mined = async (l: JournalLine) => (await rpc("eth_getTransactionReceipt", [l.transaction!.hash])) !== null;
    let cut = -1;
    for (let i = lines.length - 1; i >= 0 && cut < 0; i--) {
      if (!/^(DEPLOYMENT|CALL)_EXECUTION_STATE_INITIALIZE$/.test(lines[i].type)) continue;
      const later = lines.slice(i + 1).filter((l) => l.type === "TRANSACTION_SEND");
      if ((await Promise.all(later.map(mined))).every((m) => !m)) {
        cut = i;
        for (const l of later) expect(await rpc("hardhat_dropTransaction", [l.transaction!.hash])).to.equal(true);
      }
    }
    expect(cut, "a future start with nothing mined after it").to.be.greaterThan(0);
    const gapFuture = lines[cut].futureId!;
    writeFileSync(file, raw.slice(0, cut + 1).join("\n") + "\n");
    const kept = deployed(lines.slice(0, cut + 1));

    await rpc("evm_setAutomine", [true]);
    const { code, text } = await runToEnd(GAP_ID);
    expect(code, text).to.equal(0);
    expect(text).to.include(`${gapFuture}: started by an interrupted run but nothing was sent; cleared (ignition wipe)`);
    const journal = readJournal(0, GAP_ID);
    const after = deployed(journal);
    for (const [id, address] of kept) expect(after.get(id), id).to.equal(address);
    expect(after.size, "the six contracts of the suite (local.json deploys the batch pool too)").to.equal(6);
    const completed = journal.filter((l) => l.type.endsWith("_EXECUTION_STATE_COMPLETE") && l.futureId === gapFuture);
    expect(completed, `${gapFuture} ran once after the wipe`).to.have.length(1);
  });

  it("adopts a transaction the killed run sent but did not journal (found by the deployer's nonce)", async function () {
    const [deployer] = (await rpc("eth_accounts")) as string[];
    const nonceBefore = Number(await rpc("eth_getTransactionCount", [deployer, "latest"]));
    await killAfterFirstContract(ORPHAN_ID);
    // Cut the journal where a kill between the node accepting a transaction and Ignition
    // journaling it leaves it: after that send's TRANSACTION_PREPARE_SEND, before its
    // TRANSACTION_SEND. The transaction stays with the node; later sends are dropped (not sent).
    const file = journalFile(ORPHAN_ID);
    const raw = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const lines = raw.map((l) => JSON.parse(l) as JournalLine);
    const mined = async (l: JournalLine) => (await rpc("eth_getTransactionReceipt", [l.transaction!.hash])) !== null;
    const sends = lines.map((l, i) => [l, i] as const).filter(([l]) => l.type === "TRANSACTION_SEND");
    let cut = -1;
    for (const [l, i] of sends) if (cut < 0 && !(await mined(l))) cut = i;
    expect(cut, "an unmined send").to.be.greaterThan(0);
    const orphan = lines[cut];
    expect(
      lines.slice(0, cut).some((l) => l.type === "TRANSACTION_PREPARE_SEND" && l.futureId === orphan.futureId && l.nonce === orphan.nonce),
    ).to.equal(true);
    for (const [l, i] of sends) if (i > cut) expect(await rpc("hardhat_dropTransaction", [l.transaction!.hash])).to.equal(true);
    writeFileSync(file, raw.slice(0, cut).join("\n") + "\n");
    const kept = deployed(lines.slice(0, cut));

    await rpc("evm_setAutomine", [true]);
    await rpc("evm_mine"); // the orphan is mined: it was really sent
    expect(await mined(orphan)).to.equal(true);
    const { code, text } = await runToEnd(ORPHAN_ID);
    expect(code, text).to.equal(0);
    expect(text).to.include(
      `${orphan.futureId}: its transaction ${orphan.transaction!.hash} (nonce ${orphan.nonce}) was sent but not journaled; adopted`,
    );
    const journal = readJournal(0, ORPHAN_ID);
    const after = deployed(journal);
    for (const [id, address] of kept) expect(after.get(id), id).to.equal(address);
    expect(after.size, "the six contracts of the suite (local.json deploys the batch pool too)").to.equal(6);
    // The orphan's nonce was used once: no second transaction for that future.
    const sendsOf = journal.filter((l) => l.type === "TRANSACTION_SEND" && l.futureId === orphan.futureId);
    expect(sendsOf.map((l) => l.transaction!.hash)).to.deep.equal([orphan.transaction!.hash]);
    const all = [...journal, ...readJournal(1, ORPHAN_ID)];
    const sentNonces = new Set(all.filter((l) => l.type === "TRANSACTION_SEND").map((l) => l.nonce));
    const nonce = Number(await rpc("eth_getTransactionCount", [deployer, "latest"]));
    expect(nonce - nonceBefore, "no stray transaction: Ignition's nonces, the 2 layout registrations, the 2 acceptOwnership").to.equal(
      sentNonces.size + 2 + 2,
    );
  });
});
