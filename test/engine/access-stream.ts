import { expect } from "chai";
import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  AccessSetFormatError,
  AccessSetStreamParser,
  loadAccessSetFile,
  loadAccessSetFileStreaming,
  parseAccessSetFile,
  saveAccessSetFile,
  type AccessSetFile,
} from "../../src/access/index.js";

const FIXTURES = path.join(import.meta.dirname, "..", "..", "fixtures", "mainnet");
const A = "0x" + "a".repeat(40);
const S0 = "0x" + "0".repeat(64);

/** The whole-file loader: one JSON.parse, then the zod schema. */
async function loadWhole(file: string): Promise<AccessSetFile> {
  const raw = await readFile(file);
  return parseAccessSetFile(JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")), file);
}

function small(): AccessSetFile {
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description: 'quotes " and \\ and "blocks":[] in text' },
    precision: { reads: "tx", writes: "tx" },
    blocks: [
      {
        number: 1,
        hash: null,
        coinbase: "0x" + "c".repeat(40),
        txs: [0, 1, 2].map((i) => ({
          index: i,
          hash: null,
          from: "0x" + String(i + 1).repeat(40),
          to: A,
          selector: "0x12345678",
          function: `Counter.f${i} \u00e9\u4e2d`,
          gasUsed: 21000 + i,
          storage: { reads: [[A, S0]], writes: i === 1 ? [[A, S0]] : [] },
          accounts: { reads: [[A, "code"]], writes: [] },
        })) as AccessSetFile["blocks"][number]["txs"],
        blockReads: [[A, S0]],
      },
      { number: 2, hash: null, coinbase: "0x" + "c".repeat(40), txs: [] },
    ],
    names: { accounts: { [A]: 'Counter \\ "A" \\' }, slots: { [`${A}:${S0}`]: "Counter.count\\" } },
  };
}

/** Parses `text` fed in pieces of `size` characters. */
function parseInPieces(text: string, size: number, file = "t.json"): AccessSetFile {
  const p = new AccessSetStreamParser(file);
  for (let i = 0; i < text.length; i += size) p.feed(text.slice(i, i + size));
  return p.end();
}

function errorOf(f: () => unknown): AccessSetFormatError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(AccessSetFormatError);
    return e as AccessSetFormatError;
  }
  throw new Error("expected an AccessSetFormatError");
}

describe("streaming access-set files", function () {
  let dir: string;
  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "access-stream-"));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every mainnet fixture exactly as the whole-file loader does, and writes it back byte for byte", async function () {
    const blocks = (await readdir(FIXTURES)).filter((d) => /^\d+$/.test(d));
    let checked = 0;
    for (const b of blocks) {
      const f = path.join(FIXTURES, b, "access-sets.json.gz");
      if (!(await stat(f).catch(() => null))) continue;
      const whole = await loadWhole(f);
      const streamed = await loadAccessSetFileStreaming(f);
      expect(streamed, f).to.deep.equal(whole);
      const out = path.join(dir, `${b}.json.gz`);
      await saveAccessSetFile(out, streamed);
      expect(gunzipSync(await readFile(out)).toString("utf8"), out).to.equal(JSON.stringify(whole));
      checked++;
    }
    expect(checked).to.be.greaterThan(20);
  });

  it("gives the same file whatever the chunk boundaries (escapes, unicode, pretty-printing)", function () {
    const file = small();
    const compact = JSON.stringify(file);
    const pretty = JSON.stringify(file, null, 2);
    for (const text of [compact, pretty]) {
      for (const size of [1, 2, 3, 7, 64, 1 << 20]) expect(parseInPieces(text, size), `pieces of ${size}`).to.deep.equal(file);
    }
  });

  it("accepts keys in any order", function () {
    const f = small();
    const { blocks, names, ...head } = f;
    const shuffled = { names, blocks: blocks.map(({ txs, ...b }) => ({ txs, ...b })), ...head };
    expect(parseInPieces(JSON.stringify(shuffled), 5)).to.deep.equal(f);
  });

  it("names the file and the transaction where a file is truncated", function () {
    const text = JSON.stringify(small());
    const cut = text.indexOf('"index":2') + 20;
    const e = errorOf(() => parseInPieces(text.slice(0, cut), 16, "cut.json"));
    expect(e.message).to.contain("cut.json");
    expect(e.problems[0].path).to.equal("blocks.0.txs.2");
    expect(e.problems[0].message).to.match(/truncated/);
    // Cut between values too.
    const e2 = errorOf(() => parseInPieces(text.slice(0, text.indexOf('"blocks":[') + 10), 16, "cut.json"));
    expect(e2.problems[0].path).to.equal("blocks.0");
  });

  it("names the block, transaction and field of a bad value", function () {
    const f = small() as unknown as { blocks: { txs: Record<string, unknown>[]; number: unknown }[] };
    f.blocks[0].txs[1].from = "0xABC";
    const e = errorOf(() => parseInPieces(JSON.stringify(f), 100, "bad.json"));
    expect(e.message).to.contain("bad.json");
    expect(e.problems[0].path).to.equal("blocks.0.txs.1.from");
    expect(e.problems[0].message).to.match(/address: expected 0x and 40 lowercase hex digits/);

    const g = small() as unknown as { blocks: { txs: Record<string, unknown>[]; number: unknown }[] };
    g.blocks[1].number = -1;
    expect(errorOf(() => parseInPieces(JSON.stringify(g), 100)).problems[0].path).to.equal("blocks.1.number");

    const h = small() as unknown as { blocks: { txs: Record<string, unknown>[] }[] };
    h.blocks[0].txs[2].extra = 1;
    expect(errorOf(() => parseInPieces(JSON.stringify(h), 100)).problems[0].path).to.equal("blocks.0.txs.2");
  });

  it("rejects every kind of bad transaction field the schema rejects", function () {
    const base = () => {
      const f = small() as unknown as { blocks: { txs: Record<string, unknown>[] }[] };
      f.blocks[0].txs[0].declared = { reads: [[A, "*"]], writes: [[A, S0]], snapshots: [[A, S0]] };
      f.blocks[0].txs[0].costs = { cpu: 1.5 };
      return f;
    };
    // The valid variant loads (the fast check and the schema both accept it).
    expect(parseInPieces(JSON.stringify(base()), 1000).blocks[0].txs[0].declared!.reads).to.deep.equal([[A, "*"]]);
    const mutations: [string, (t: Record<string, any>) => void][] = [
      ["index", (t) => (t.index = -1)],
      ["index", (t) => (t.index = 1.5)],
      ["gasUsed", (t) => (t.gasUsed = "21000")],
      ["hash", (t) => (t.hash = "0xAB")],
      ["to", (t) => (t.to = "0x1234")],
      ["selector", (t) => (t.selector = "0x123")],
      ["status", (t) => (t.status = "ok")],
      ["function", (t) => (t.function = 7)],
      ["costs.cpu", (t) => (t.costs.cpu = -1)],
      ["storage.reads.0", (t) => (t.storage.reads[0] = [A])],
      ["storage.reads.0.1", (t) => (t.storage.reads[0] = [A, "0x00"])],
      ["storage", (t) => (t.storage.extra = [])],
      ["storage.writes", (t) => delete t.storage.writes],
      ["accounts.reads.0.1", (t) => (t.accounts.reads[0] = [A, "storage"])],
      ["declared.reads.0.1", (t) => (t.declared.reads[0] = [A, "**"])],
      ["declared.snapshots.0.1", (t) => (t.declared.snapshots[0] = [A, "*"])],
      ["declared", (t) => (t.declared.other = [])],
      ["", (t) => (t.extra = 1)],
      ["from", (t) => delete t.from],
    ];
    for (const [field, mutate] of mutations) {
      const f = base();
      mutate(f.blocks[0].txs[0]);
      const e = errorOf(() => parseInPieces(JSON.stringify(f), 1000));
      expect(e.problems[0].path, `${field}: ${e.message}`).to.equal(field ? `blocks.0.txs.0.${field}` : "blocks.0.txs.0");
    }
  });

  it("rejects broken JSON syntax, a wrong version, and text after the end", function () {
    const text = JSON.stringify(small());
    const broken = text.replace('"index":1,', '"index":1,,');
    const e = errorOf(() => parseInPieces(broken, 50));
    expect(e.problems[0].path).to.equal("blocks.0.txs.1");
    expect(e.problems[0].message).to.match(/not valid JSON/);
    const v2 = text.replace('"version":1', '"version":2');
    expect(errorOf(() => parseInPieces(v2, 50)).problems[0].message).to.match(/version 2 is not supported.*re-capture/);
    expect(errorOf(() => parseInPieces(text + " {}", 50)).problems[0].message).to.match(/after the end/);
    expect(errorOf(() => parseInPieces("[1,2]", 50)).problems[0].message).to.match(/expected "\{"/);
    const noBlocks = JSON.stringify({ ...small(), blocks: undefined });
    expect(errorOf(() => parseInPieces(noBlocks, 50)).problems[0].path).to.equal("blocks");
  });

  it("reports a truncated gzip file and a missing file clearly", async function () {
    const gz = gzipSync(JSON.stringify(small()));
    const cut = path.join(dir, "cut.json.gz");
    await writeFile(cut, gz.subarray(0, gz.length - 12));
    let err: Error | undefined;
    try {
      await loadAccessSetFileStreaming(cut);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.contain("cut.json.gz");
    expect(err?.message).to.match(/truncated/);
    err = undefined;
    try {
      await loadAccessSetFileStreaming(path.join(dir, "missing.json"));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/cannot read access-set file .*missing\.json/);
  });

  it("loads a generated 200,000-transaction file (over 100 MB, through loadAccessSetFile) and writes it back", async function () {
    this.timeout(300_000);
    const n = 200_000;
    const file = path.join(dir, "large.json");
    const out = createWriteStream(file);
    const hex = (i: number, bytes: number) => "0x" + i.toString(16).padStart(bytes * 2, "0");
    const coinbase = hex(0xc0, 20);
    const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once("drain", resolve)));
    await write(
      '{"format":"disjoint.access-sets","version":1,"source":{"kind":"synthetic","description":"generated"},"precision":{"reads":"tx","writes":"tx"},"blocks":[',
    );
    const perBlock = 10_000;
    for (let i = 0; i < n; i++) {
      if (i % perBlock === 0)
        await write(`${i > 0 ? "]}," : ""}{"number":${1 + i / perBlock},"hash":null,"coinbase":"${coinbase}","txs":[`);
      const from = hex(1 + (i % 5000), 20);
      const token = hex(0x7000 + (i % 50), 20);
      const tx = {
        index: i % perBlock,
        hash: hex(i, 32),
        from,
        to: token,
        selector: "0xa9059cbb",
        gasUsed: 50_000 + (i % 1000),
        storage: {
          reads: [
            [token, hex(i % 7919, 32)],
            [token, hex(1_000_000 + i, 32)],
            [token, hex(2_000_000 + (i % 100), 32)],
          ],
          writes: [
            [token, hex(i % 7919, 32)],
            [token, hex(1_000_000 + i, 32)],
          ],
        },
        accounts: {
          reads: [
            [from, "balance"],
            [from, "nonce"],
            [coinbase, "balance"],
          ],
          writes: [
            [from, "nonce"],
            [coinbase, "balance"],
          ],
        },
      };
      await write((i % perBlock === 0 ? "" : ",") + JSON.stringify(tx));
    }
    await write("]}]}");
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const size = (await stat(file)).size;
    expect(size).to.be.greaterThan(100_000_000);

    const loaded = await loadAccessSetFile(file);
    expect(loaded.blocks).to.have.length(n / perBlock);
    expect(loaded.blocks.reduce((s, b) => s + b.txs.length, 0)).to.equal(n);
    const last = loaded.blocks.at(-1)!.txs.at(-1)!;
    expect(last.hash).to.equal(hex(n - 1, 32));
    expect(last.storage.reads[1]).to.deep.equal([hex(0x7000 + ((n - 1) % 50), 20), hex(1_000_000 + n - 1, 32)]);
    // Equal strings are shared: the sender of two transactions is one string.
    expect(loaded.blocks[0].txs[0].from).to.equal(loaded.blocks[1].txs[0].from);

    const copy = path.join(dir, "large-copy.json.gz");
    await saveAccessSetFile(copy, loaded);
    const again = await loadAccessSetFile(copy);
    expect(again.blocks.reduce((s, b) => s + b.txs.length, 0)).to.equal(n);
    expect(again.blocks[7].txs[123]).to.deep.equal(loaded.blocks[7].txs[123]);
  });
});
