import { expect } from "chai";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DisjointError, InputError, UsageError, causeChain, isUserError } from "../../src/errors.js";
import { loadAccessSetFile, AccessSetFormatError } from "../../src/access/index.js";
import { asUserErrors } from "../../tasks/user-error.js";

describe("error model (src/errors.ts)", () => {
  it("describes message, details, hint and the cause chain", () => {
    const root = new Error("ENOENT: no such file");
    const e = new InputError("cannot read x.json", { details: ["at blocks.0"], hint: "pass an existing file", cause: root });
    expect(e).to.be.instanceOf(DisjointError);
    expect(e.name).to.equal("InputError");
    expect(causeChain(e)).to.deep.equal(["cannot read x.json", "ENOENT: no such file"]);
    expect(e.describe()).to.equal("cannot read x.json\n  at blocks.0\nfix: pass an existing file\ncaused by: ENOENT: no such file");
  });

  it("every user error of src/ is a DisjointError; a plain Error is a bug", async () => {
    const dir = await mkdtemp(join(tmpdir(), "errors-"));
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{");
    const missing = await loadAccessSetFile(join(dir, "missing.json")).catch((e: unknown) => e);
    const invalid = await loadAccessSetFile(bad).catch((e: unknown) => e);
    expect(isUserError(missing), String(missing)).to.equal(true);
    expect(invalid).to.be.instanceOf(AccessSetFormatError);
    expect(isUserError(invalid)).to.equal(true);
    expect(isUserError(new Error("bug"))).to.equal(false);
  });

  it("the task wrapper prints a user error once, sets exit code 1, and rethrows bugs", async () => {
    const printed: string[] = [];
    const orig = console.error;
    const before = process.exitCode;
    console.error = (s: string) => printed.push(s);
    try {
      await asUserErrors("t", async () => {
        throw new UsageError("--threads is empty", { hint: "pass --threads 1,2,4" });
      });
      expect(process.exitCode).to.equal(1);
      expect(printed).to.deep.equal(["t: --threads is empty\nfix: pass --threads 1,2,4"]);
    } finally {
      console.error = orig;
      process.exitCode = before;
    }
    const bug = await asUserErrors("t", async () => {
      throw new TypeError("x is undefined");
    }).catch((e: unknown) => e);
    expect(bug).to.be.instanceOf(TypeError);
  });
});
