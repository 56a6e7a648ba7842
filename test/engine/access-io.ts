import { expect } from "chai";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AccessSetFormatError,
  loadAccessSetFile,
  parseAccessSetFile,
  saveAccessSetFile,
  type AccessSetFile,
} from "../../src/access/index.js";

const A = "0x" + "a".repeat(40);
const S0 = "0x" + "0".repeat(64);

function valid(): AccessSetFile {
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description: "test" },
    precision: { reads: "tx", writes: "tx" },
    blocks: [
      {
        number: 1,
        hash: null,
        coinbase: "0x" + "c".repeat(40),
        txs: [
          {
            index: 0,
            hash: null,
            from: "0x" + "1".repeat(40),
            to: A,
            selector: "0x12345678",
            gasUsed: 21000,
            storage: { reads: [[A, S0]], writes: [[A, S0]] },
            accounts: { reads: [], writes: [] },
          },
        ],
      },
    ],
    names: { accounts: { [A]: "Counter" }, slots: { [`${A}:${S0}`]: "Counter.count" } },
  };
}

async function tmp(name: string, data: string | Buffer) {
  const dir = await mkdtemp(path.join(tmpdir(), "access-io-"));
  const f = path.join(dir, name);
  await writeFile(f, data);
  return f;
}

async function loadError(f: string): Promise<Error> {
  try {
    await loadAccessSetFile(f);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the load to fail");
}

describe("access-set files (format v1, io)", function () {
  it("round-trips a valid file, plain and gzipped, with names", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "access-io-"));
    for (const name of ["a.json", "a.json.gz"]) {
      const f = path.join(dir, name);
      await saveAccessSetFile(f, valid());
      expect(await loadAccessSetFile(f)).to.deep.equal(valid());
    }
    // Atomic save leaves no temporary file behind.
    expect((await readdir(dir)).sort()).to.deep.equal(["a.json", "a.json.gz"]);
  });

  it("names the file and says the JSON is truncated", async function () {
    const text = JSON.stringify(valid());
    const f = await tmp("trunc.json", text.slice(0, text.length / 2));
    const e = await loadError(f);
    expect(e).to.be.instanceOf(AccessSetFormatError);
    expect(e.message).to.contain(f).and.to.contain("not valid JSON").and.to.contain("truncated");
  });

  it("rejects a wrong version with the supported one and the fix", async function () {
    const f = await tmp("v2.json", JSON.stringify({ ...valid(), version: 2 }));
    const e = await loadError(f);
    expect(e.message).to.contain(f).and.to.contain("at version").and.to.contain("version 2 is not supported").and.to.contain("re-capture");
  });

  it("rejects unknown fields, naming the path inside the file", async function () {
    const bad = valid() as any;
    bad.blocks[0].txs[0].storage.extra = [];
    const f = await tmp("unknown.json", JSON.stringify(bad));
    const e = await loadError(f);
    expect(e.message)
      .to.contain("at blocks.0.txs.0.storage")
      .and.to.match(/unrecognized key.*extra/i);
  });

  it("rejects malformed hex with the expected shape", function () {
    const bad = valid() as any;
    bad.blocks[0].txs[0].storage.writes[0][1] = "0x1";
    expect(() => parseAccessSetFile(bad, "x.json")).to.throw(
      /x\.json[\s\S]*blocks\.0\.txs\.0\.storage\.writes\.0\.1: storage slot: expected 0x and 64 lowercase hex digits/,
    );
  });

  it("rejects bad gzip data and a missing file clearly", async function () {
    const f = await tmp("bad.json.gz", "not gzip");
    expect((await loadError(f)).message).to.contain("not valid gzip");
    expect((await loadError(f + ".missing")).message).to.contain("cannot read access-set file");
  });

  it("never writes a partial file when the data is invalid", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "access-io-"));
    const f = path.join(dir, "out.json");
    const bad = valid() as any;
    bad.blocks[0].coinbase = "nope";
    let threw = false;
    try {
      await saveAccessSetFile(f, bad);
    } catch {
      threw = true;
    }
    expect(threw).to.equal(true);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
