/**
 * disjoint as a plugin in someone else's project: pack this package (`npm pack`), install the
 * tarball into a temporary copy of test/fixtures/consumer, run the consumer's mocha tests with
 * capture on, then `conflicts analyze` and `conflicts check-declared`, and check the findings.
 *
 * Offline: the tarball is unpacked into the consumer's node_modules/disjoint (what `npm
 * install` does with it; npm itself cannot resolve the consumer's dependency ranges offline,
 * since its cache holds tarballs but no registry metadata), and the consumer's other
 * dependencies are links to this repository's node_modules.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const FIXTURE = path.join(ROOT, "test", "fixtures", "consumer");

interface Outcome {
  code: number;
  out: string;
}

/** The environment without this test run's Hardhat settings (the consumer is its own project). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(HARDHAT_|HH_)/.test(k) && k !== "NODE_ENV") env[k] = v;
  return env;
}

describe("plugin in a consumer project (npm pack, capture from its tests, analyze, advice)", function () {
  this.timeout(240_000);
  let tmp: string;
  let consumer: string;

  async function hardhat(...args: string[]): Promise<Outcome> {
    const cli = path.join(consumer, "node_modules", "hardhat", "dist", "src", "cli.js");
    try {
      const r = await run(process.execPath, [cli, ...args], { cwd: consumer, env: cleanEnv(), maxBuffer: 64 << 20 });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof x.code === "number" ? x.code : 1, out: (x.stdout ?? "") + (x.stderr ?? "") };
    }
  }

  before(async function () {
    tmp = await mkdtemp(path.join(tmpdir(), "disjoint-consumer-"));
    const packed = await run("npm", ["pack", "--pack-destination", tmp, "--silent"], { cwd: ROOT, maxBuffer: 64 << 20 });
    const tarball = path.join(tmp, packed.stdout.trim().split("\n").pop()!);
    consumer = path.join(tmp, "consumer");
    await cp(FIXTURE, consumer, { recursive: true });
    // Fixture sources end in .in so that this repository's build and mocha run skip them.
    const strip = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await strip(p);
        else if (e.name.endsWith(".in")) await rename(p, p.slice(0, -3));
      }
    };
    await strip(consumer);
    const modules = path.join(consumer, "node_modules");
    await mkdir(path.join(modules, "disjoint"), { recursive: true });
    for (const name of await readdir(path.join(ROOT, "node_modules")))
      if (name !== "disjoint" && name !== ".package-lock.json")
        await symlink(path.join(ROOT, "node_modules", name), path.join(modules, name));
    await run("tar", ["-xzf", tarball, "--strip-components=1", "-C", path.join(modules, "disjoint")]);
  });

  after(async function () {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("lists the conflicts tasks, one line each", async function () {
    const r = await hardhat("conflicts", "--help");
    expect(r.code, r.out).to.equal(0);
    for (const t of ["capture", "analyze", "check-declared", "simulate", "report"])
      expect(r.out).to.match(new RegExp(`conflicts ${t}\\s+\\S`));
    const sub = await hardhat("conflicts", "capture", "--help");
    expect(sub.out).to.match(/conflicts capture tests\s+\S/);
  });

  it("says the project has not been built, and a wrong path, in one line naming the fix", async function () {
    const notBuilt = await hardhat("conflicts", "capture", "tests", "--no-compile", "--out", "x.json");
    expect(notBuilt.code).to.not.equal(0);
    expect(notBuilt.out).to.match(/npx hardhat build/);
    const missing = await hardhat("conflicts", "analyze", "no-such-file.json");
    expect(missing.code).to.not.equal(0);
    expect(missing.out).to.match(/cannot read access-set file no-such-file\.json/);
  });

  it("refuses a network that is not in-process, naming the fix", async function () {
    const r = await hardhat("conflicts", "capture", "tests", "--network", "remote", "--out", "remote.json");
    expect(r.code).to.not.equal(0);
    expect(r.out).to.match(/not in-process: remote \(type http\).*edr-simulated/);
  });

  it("captures the consumer's tests, names the hot variables and the fix, excludes same-sender pairs", async function () {
    const cap = await hardhat("conflicts", "capture", "tests", "--out", "tests.json");
    expect(cap.code, cap.out).to.equal(0);
    expect(cap.out).to.match(/captured \d+ transaction\(s\) in \d+ block\(s\)/);
    const file = JSON.parse(await readFile(path.join(consumer, "tests.json"), "utf8"));
    const fns = new Set<string>(file.blocks.flatMap((b: any) => b.txs.map((t: any) => t.function)));
    for (const f of ["ShopToken.mint", "ShopVault.deposit", "ShopVault.withdraw", "Tally.visit", "ShopVault.constructor"])
      expect(fns).to.include(f);

    const an = await hardhat("conflicts", "analyze", "tests.json", "--json", "analysis.json", "--md", "analysis.md");
    expect(an.code, an.out).to.equal(0);
    expect(an.out).to.include("Potential conflicts over the whole capture");
    const result = JSON.parse(await readFile(path.join(consumer, "analysis.json"), "utf8"));
    const vault = Object.entries(file.names.accounts as Record<string, string>).find(([, n]) => n === "ShopVault")![0];
    const hot: string[] = result.potential.hotKeys.map((k: any) => k.name);
    expect(hot).to.include("ShopToken._totalSupply");
    expect(hot).to.include("ShopVault._totalSupply");
    expect(hot).to.include(`ShopToken._balances[${vault}]`);
    const advice = (s: string) => result.advice.find((a: any) => a.subject === s);
    expect(advice("Tally.total").pattern).to.equal("global-total");
    expect(advice("Tally.total").remedy.remedy).to.match(/^sharded totals/);
    expect(advice("Tally.total").remedy.doc).to.match(/docs\/vault\.md/);
    expect(advice("ShopToken._totalSupply").pattern).to.equal("global-total");
    expect(advice(`ShopToken._balances[${vault}]`).pattern).to.equal("own-balance");
    expect(advice(`ShopToken._balances[${vault}]`).remedy.remedy).to.match(/^escrow shards/);
    // Alice visited twice and no one else writes her entry: a same-sender pair, excluded.
    expect(result.potential.hotKeys.some((k: any) => String(k.name).startsWith("Tally.visits"))).to.equal(false);
    expect(result.advice.some((a: any) => String(a.subject).startsWith("Tally.visits"))).to.equal(false);
    // Every test transaction was mined alone: the per-block figures find no conflict at all.
    expect(result.edges.total).to.equal(0);
    expect(await readFile(path.join(consumer, "analysis.md"), "utf8")).to.include("### Advice");

    const check = await hardhat("conflicts", "check-declared", "tests.json");
    expect(check.code, check.out).to.equal(0);
    expect(check.out).to.include("18 without one, not checked");

    const report = await hardhat("conflicts", "report", "tests.json", "--html", "report.html");
    expect(report.code, report.out).to.equal(0);
    const html = await readFile(path.join(consumer, "report.html"), "utf8");
    expect(html).to.include("Potential conflicts across senders, and the fix");
    expect(html).to.include("Tally.total");
  });
});
