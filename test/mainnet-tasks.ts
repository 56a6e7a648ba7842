import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { loadAccessSetFile } from "../src/access/io.js";

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
    await hre.tasks.getTask(["mainnet", "replay"]).run({ block: 2_675_000, out });
    const file = await loadAccessSetFile(out);
    expect(file.blocks.map((b) => b.number)).to.deep.equal([2_675_000]);
    expect(file.blocks[0]!.txs).to.have.length(15);
  });

  it("mainnet replay refuses a missing block and an ambiguous selection, writing nothing", async function () {
    const out = join(dir, "b.json");
    let err: Error | undefined;
    await hre.tasks.getTask(["mainnet", "replay"]).run({ block: 5, out }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/block 5 is not in the corpus/);
    expect(existsSync(out)).to.equal(false);
    await hre.tasks.getTask(["mainnet", "replay"]).run({ block: 5, all: true }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/exactly one of --block N or --all/);
  });

  it("mainnet capture asks for what is missing", async function () {
    let err: Error | undefined;
    const saved = process.env.MAINNET_RPC_URL;
    delete process.env.MAINNET_RPC_URL;
    try {
      await hre.tasks.getTask(["mainnet", "capture"]).run({ from: 1, to: 2, out: join(dir, "c.json") }).catch((e: Error) => (err = e));
    } finally {
      if (saved !== undefined) process.env.MAINNET_RPC_URL = saved;
    }
    expect(err?.message).to.match(/give --rpc URL/);
  });
});
