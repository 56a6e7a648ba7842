/** The structure rules of issue #15, checked by scripts/check-structure.mjs on the working tree. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";

describe("structure of src/ and tasks/ (scripts/check-structure.mjs)", function () {
  it("no import cycle in src/, no cross-layer re-export, no Hardhat import in src/, tasks/ files under 80 lines", function () {
    const root = path.join(import.meta.dirname, "..", "..");
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "check-structure.mjs")], { encoding: "utf8" });
    expect(r.stdout, r.stderr).to.match(/^structure: no import cycle/m);
    expect(r.status).to.equal(0);
  });
});
