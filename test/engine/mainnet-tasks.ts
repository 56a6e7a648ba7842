import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { loadAccessSetFile } from "../../src/access/io.js";

/** Runs a task; returns what it printed on stderr and its exit code (user errors print, they do not throw). */
async function runTask(id: string[], args: Record<string, unknown>): Promise<{ stderr: string; exitCode: number }> {
  const lines: string[] = [];
  const orig = console.error;
  const before = process.exitCode;
  process.exitCode = 0;
  console.error = (s: string) => lines.push(String(s));
  try {
    await hre.tasks.getTask(id).run(args);
    return { stderr: lines.join("\n"), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    console.error = orig;
    process.exitCode = before;
  }
}

describe("mainnet tasks", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "disjoint-task-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("mainnet replay --block N --out FILE writes the block's checked access sets", async function () {
    const out = join(dir, "a.json.gz");
    await hre.tasks.getTask(["mainnet", "replay"]).run({ blocks: [2_675_000], out });
    const file = await loadAccessSetFile(out);
    expect(file.blocks.map((b) => b.number)).to.deep.equal([2_675_000]);
    expect(file.blocks[0].txs).to.have.length(15);
  });

  it("mainnet replay refuses a missing block and an ambiguous selection, writing nothing", async function () {
    const out = join(dir, "b.json");
    const missing = await runTask(["mainnet", "replay"], { blocks: [5], out });
    expect(missing.exitCode).to.equal(1);
    expect(missing.stderr).to.match(/^mainnet replay: block 5 is not in the corpus/);
    expect(missing.stderr).to.not.match(/unexpected error| {4}at /);
    expect(existsSync(out)).to.equal(false);
    const both = await runTask(["mainnet", "replay"], { blocks: [5], all: true });
    expect(both.exitCode).to.equal(1);
    expect(both.stderr).to.match(/give block numbers or --all/);
  });

  it("mainnet capture asks for what is missing", async function () {
    const saved = process.env.MAINNET_RPC_URL;
    delete process.env.MAINNET_RPC_URL;
    try {
      const r = await runTask(["mainnet", "capture"], { from: 1, to: 2, out: join(dir, "c.json") });
      expect(r.exitCode).to.equal(1);
      expect(r.stderr).to.match(/give --rpc URL/);
    } finally {
      if (saved !== undefined) process.env.MAINNET_RPC_URL = saved;
    }
  });
});
