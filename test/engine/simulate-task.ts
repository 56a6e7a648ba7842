import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveAccessSetFile } from "../../src/access/io.js";
import { p2pBlock, syntheticFile } from "../../src/schedule/index.js";
import simulateAction from "../../tasks/simulate-action.js";

describe("conflicts simulate (task action)", function () {
  const dir = mkdtempSync(join(tmpdir(), "disjoint-simulate-"));
  const input = join(dir, "p2p.json.gz");
  const base = {
    threads: "1,4",
    scheduler: "serial,dag,block-stm,locks",
    cost: "auto",
    validationCost: 0.05,
    suspendCost: 0.05,
    json: "",
    md: "",
    blocks: 5,
    includeFeeRecipient: false,
    credits: "read-modify-write",
  };
  let log: string[] = [];
  const origLog = console.log;
  const origErr = console.error;
  beforeEach(() => {
    log = [];
    console.log = (...a: unknown[]) => void log.push(a.join(" "));
    console.error = (...a: unknown[]) => void log.push(a.join(" "));
    process.exitCode = 0;
  });
  afterEach(() => {
    console.log = origLog;
    console.error = origErr;
    process.exitCode = 0;
  });

  before(async () => {
    await saveAccessSetFile(input, syntheticFile("two p2p blocks", [p2pBlock(200, 1000, 1, 1), p2pBlock(200, 2, 2, 2)]));
  });

  it("prints per-block and aggregate tables and writes JSON and Markdown", async function () {
    const json = join(dir, "out.json");
    const md = join(dir, "out.md");
    await simulateAction({ ...base, file: input, json, md });
    const text = log.join("\n");
    expect(text).to.match(/fee recipient: its balance credits are excluded/);
    expect(text).to.match(/aggregate over 2 blocks/);
    expect(text).to.match(/block-stm\s+4/);
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.blocks).to.have.length(2);
    expect(report.aggregate.map((r: { scheduler: string; threads: number }) => `${r.scheduler}@${r.threads}`)).to.deep.equal([
      "serial@1",
      "dag@1",
      "dag@4",
      "block-stm@1",
      "block-stm@4",
      "locks@1",
      "locks@4",
    ]);
    // The 2-account block is serial for dag; the 1000-account block is not.
    const dag4 = (b: number) =>
      report.blocks[b].rows.find((r: { scheduler: string; threads: number }) => r.scheduler === "dag" && r.threads === 4);
    expect(dag4(1).speedup).to.equal(1);
    expect(dag4(0).speedup).to.be.greaterThan(3.5);
    expect(readFileSync(md, "utf8")).to.match(/^# Parallel schedule simulation/);
  });

  /** Runs the action with stderr captured (as a pipe, not a terminal) and CI set to `ci`. */
  async function stderrOf(ci: string | undefined, args: Parameters<typeof simulateAction>[0]): Promise<string> {
    const out: string[] = [];
    const write = process.stderr.write;
    const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
    const savedCI = process.env.CI;
    Object.defineProperty(process.stderr, "isTTY", { value: false, configurable: true, writable: true });
    process.stderr.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stderr.write;
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    try {
      await simulateAction(args);
    } finally {
      process.stderr.write = write;
      if (tty) Object.defineProperty(process.stderr, "isTTY", tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
      if (savedCI === undefined) delete process.env.CI;
      else process.env.CI = savedCI;
    }
    return out.join("");
  }

  it("reports progress over a many-block corpus on stderr, and none under CI=true", async function () {
    const args = { ...base, file: input, threads: "4", scheduler: "dag", engine: "none" };
    // Not a terminal: one summary line when done (a terminal redraws a bar, test/engine/progress.ts).
    expect(await stderrOf(undefined, args)).to.match(/^simulate: 400 txs \(\d+\.\ds\)\n$/);
    expect(process.exitCode).to.equal(0);
    expect(log.join("\n")).to.match(/aggregate over 2 blocks/);
    expect(await stderrOf("true", args)).to.equal("");
  });

  it("rejects bad arguments with a clear message and writes nothing", async function () {
    const json = join(dir, "bad.json");
    await simulateAction({ ...base, file: input, threads: "1,zero", json });
    expect(process.exitCode).to.equal(1);
    expect(log.join()).to.match(/--threads "1,zero": expected comma-separated integers/);
    expect(existsSync(json)).to.equal(false);
    await simulateAction({ ...base, file: input, scheduler: "dag,occ", json });
    expect(log.join()).to.match(/unknown scheduler "occ"/);
    await simulateAction({ ...base, file: input, cost: "cycles", json });
    expect(log.join()).to.match(/no cost column "cycles"/);
    await simulateAction({ ...base, file: join(dir, "missing.json"), json });
    expect(log.join()).to.match(/cannot read access-set file/);
    expect(existsSync(json)).to.equal(false);
  });
});
