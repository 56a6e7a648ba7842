import { expect } from "chai";
import { copyFile, mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  AccessSetFormatError,
  loadAccessSetFile,
  saveAccessSetFile,
  type AccessSetFile,
  type BlockAccess,
} from "../../src/access/index.js";
import { balToBlock, parseBal } from "../../src/capture/bal.js";
import { analyze } from "../../src/conflicts/index.js";
import {
  ColumnarWriter,
  loadColumnar,
  blockChains,
  loadColumnarCompact,
  openEngine,
  readTreeMeta,
  runStudy,
  studyHtml,
  studyMarkdown,
  saveColumnar,
  streamColumnarBlocks,
} from "../../src/columnar/index.js";

/** Awaits `p` and checks it fails with an AccessSetFormatError whose message matches `re`. */
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a rejection").to.be.instanceOf(AccessSetFormatError);
  expect((err as Error).message).to.match(re);
}

const FIX = path.join(import.meta.dirname, "..", "..", "fixtures");

/** Every shipped mainnet access-set file, as one file of 50 blocks, plus one EIP-7928 BAL block (block-level reads). */
async function corpus(): Promise<AccessSetFile> {
  const dirs = (await readdir(path.join(FIX, "mainnet"))).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
  const files = await Promise.all(dirs.map((d) => loadAccessSetFile(path.join(FIX, "mainnet", d, "access-sets.json.gz"))));
  const blocks: BlockAccess[] = files.flatMap((f) => f.blocks);
  const names = { accounts: {}, slots: {} } as NonNullable<AccessSetFile["names"]>;
  for (const f of files) {
    Object.assign(names.accounts!, f.names?.accounts ?? {});
    Object.assign(names.slots!, f.names?.slots ?? {});
  }
  return { ...files[0], source: { kind: "replay", description: "fixtures/mainnet, all blocks", chainId: 1 }, blocks, names };
}

async function balFile(): Promise<AccessSetFile> {
  const raw = gunzipSync(await readFile(path.join(FIX, "bal", "20615558_with_reads.rlp.gz")));
  const { block } = balToBlock(parseBal(raw, "20615558_with_reads.rlp"), "20615558_with_reads.rlp", { number: 20615558 });
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "bal", description: "fixtures/bal" },
    precision: { reads: "block", writes: "tx" },
    blocks: [block],
  };
}

/** Reads and writes are sets: the Parquet form keeps reads in order and lists writes in order of first access. */
function canonical(f: AccessSetFile): AccessSetFile {
  const sort = <T extends [string, string]>(l: T[]) =>
    [...l].sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : a[0] + a[1] > b[0] + b[1] ? 1 : 0));
  return {
    ...f,
    blocks: f.blocks.map((b) => ({
      ...b,
      txs: b.txs.map((t) => ({
        ...t,
        storage: { reads: sort(t.storage.reads), writes: sort(t.storage.writes) },
        accounts: { reads: sort(t.accounts.reads), writes: sort(t.accounts.writes) },
      })),
    })),
  };
}

describe("columnar access sets (Parquet trees)", function () {
  this.timeout(120_000);
  let dir: string;
  let json: AccessSetFile;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "columnar-"));
    json = await corpus();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips the shipped corpus: the same blocks, transactions and names (reads and writes as sets)", async () => {
    const tree = path.join(dir, "corpus.parquet");
    // Small partitions, so that the 50 blocks spread over many directories.
    const meta = await saveColumnar(tree, json, { partitionBlocks: 1_000_000 });
    expect(meta.partitions.length).to.be.greaterThan(10);
    expect(meta.partitions.reduce((n, p) => n + p.txs, 0)).to.equal(json.blocks.reduce((n, b) => n + b.txs.length, 0));
    const back = await loadColumnar(tree);
    expect(canonical(back)).to.deep.equal(canonical(json));
    // Reads keep their order exactly.
    expect(back.blocks.map((b) => b.txs.map((t) => t.storage.reads))).to.deep.equal(
      json.blocks.map((b) => b.txs.map((t) => t.storage.reads)),
    );
  });

  it("gives the same analysis from JSON and from Parquet (object loader and compact loader)", async () => {
    const tree = path.join(dir, "corpus.parquet");
    const fromJson = analyze(json).result;
    expect(fromJson.txs).to.be.greaterThan(1000);
    expect(analyze(await loadColumnar(tree)).result).to.deep.equal(fromJson);
    expect(analyze(await loadColumnarCompact(tree)).result).to.deep.equal(fromJson);
  });

  it("keeps block-level reads of EIP-7928 BALs and dispatches on the path in loadAccessSetFile / saveAccessSetFile", async () => {
    const bal = await balFile();
    expect(bal.blocks[0].blockReads!.length).to.be.greaterThan(0);
    const tree = path.join(dir, "bal.parquet");
    await saveAccessSetFile(tree, bal);
    const back = await loadAccessSetFile(tree);
    expect(canonical(back)).to.deep.equal(canonical(bal));
    expect(analyze(back).result).to.deep.equal(analyze(bal).result);
    // And back to JSON through the same entry point.
    const out = path.join(dir, "bal.json.gz");
    await saveAccessSetFile(out, back);
    expect(await loadAccessSetFile(out)).to.deep.equal(back);
  });

  it("streams blocks in chain order and can stop early", async () => {
    const tree = path.join(dir, "corpus.parquet");
    const numbers: number[] = [];
    for await (const b of streamColumnarBlocks(tree, { from: 10_000_000, to: 15_000_000 })) numbers.push(b.number);
    expect(numbers).to.deep.equal(json.blocks.map((b) => b.number).filter((n) => n >= 10_000_000 && n <= 15_000_000));
    let seen = 0;
    for await (const b of streamColumnarBlocks(tree)) {
      void b;
      if (++seen === 3) break;
    }
    expect(seen).to.equal(3);
  });

  it("names the file and the problem for a truncated Parquet file", async () => {
    const tree = path.join(dir, "trunc.parquet");
    await saveColumnar(tree, json, { partitionBlocks: 100_000_000 });
    const meta = await readTreeMeta(tree);
    const victim = path.join(tree, "accesses", meta.partitions[0].label, "data_0.parquet");
    await truncate(victim, 1000);
    const err = await loadColumnar(tree).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AccessSetFormatError);
    expect((err as Error).message).to.include(path.join("accesses", meta.partitions[0].label, "data_0.parquet"));
    expect((err as Error).message).to.match(/truncated or corrupt/);
    // The compact (analyze) path names it too.
    await rejects(loadColumnarCompact(tree), /accesses\/blocks=.*data_0\.parquet.*truncated or corrupt/s);
  });

  it("names a bad slot and a bad transaction hash in the compact (analyze) loader, which checks values in SQL", async () => {
    const tree = path.join(dir, "badvalues.parquet");
    await saveColumnar(tree, { ...json, blocks: json.blocks.slice(0, 2) }, { partitionBlocks: 100_000_000 });
    const meta = await readTreeMeta(tree);
    const file = (t: string) => path.join(tree, t, meta.partitions[0].label, "data_0.parquet");
    const engine = await openEngine();
    // Rewrites one table of the tree with one value replaced (rows in the same order).
    const rewrite = async (t: string, select: string) => {
      await engine.connection.run(`COPY (${select.replace("FILE", `read_parquet('${file(t)}')`)}) TO '${file(t)}.new' (FORMAT parquet)`);
      await rename(`${file(t)}.new`, file(t));
    };
    try {
      await copyFile(file("locations"), `${file("locations")}.good`);
      await rewrite("locations", "SELECT location, contract, CASE WHEN location = 3 THEN '0xABC' ELSE slot END AS slot FROM FILE");
      await rejects(loadColumnarCompact(tree), /locations\/blocks=.*location 3: slot 0xABC: expected 0x and 64 lowercase hex digits/s);
      await rename(`${file("locations")}.good`, file("locations"));
      expect(analyze(await loadColumnarCompact(tree)).result.txs).to.equal(json.blocks[0].txs.length + json.blocks[1].txs.length);
      await rewrite("txs", "SELECT * REPLACE (CASE WHEN tx = 1 THEN 'nothex' ELSE hash END AS hash) FROM FILE");
      await rejects(
        loadColumnarCompact(tree),
        /txs\/blocks=.*transaction 1 of block \d+: hash nothex: expected 0x and 64 lowercase hex digits/s,
      );
    } finally {
      engine.close();
    }
  });

  it("names a missing file, a missing _disjoint.json and an unsupported version", async () => {
    const tree = path.join(dir, "miss.parquet");
    await saveColumnar(tree, json, { partitionBlocks: 100_000_000 });
    const meta = await readTreeMeta(tree);
    await rm(path.join(tree, "txs", meta.partitions[0].label), { recursive: true });
    await rejects(loadColumnar(tree), /txs\/blocks=.*data_0\.parquet: missing/);
    const metaFile = path.join(tree, "_disjoint.json");
    await writeFile(metaFile, JSON.stringify({ ...meta, version: 99 }));
    await rejects(loadColumnar(tree), /version 99 is not supported/);
    await rm(metaFile);
    await rejects(loadColumnar(tree), /_disjoint\.json: missing/);
  });

  it("leaves no partial tree when a save fails, and keeps the previous tree", async () => {
    const tree = path.join(dir, "keep.parquet");
    const small: AccessSetFile = { ...json, blocks: json.blocks.slice(0, 2) };
    await saveColumnar(tree, small);
    const broken = structuredClone(small);
    broken.blocks.push({ ...structuredClone(small.blocks[1]), number: small.blocks[1].number + 1 });
    broken.blocks[2].txs[0].from = "0xnot-an-address";
    await rejects(saveColumnar(tree, broken), /txs\.0\.from/);
    expect(canonical(await loadColumnar(tree))).to.deep.equal(canonical(small));
    expect((await readdir(dir)).filter((f) => f.includes(".tmp"))).to.deep.equal([]);
  });

  it("refuses blocks out of chain order across partitions", async () => {
    const w = await ColumnarWriter.create(path.join(dir, "order.parquet"), {
      source: json.source,
      precision: json.precision,
      partitionBlocks: 10,
    });
    await w.addBlock({ ...json.blocks[1] });
    await rejects(w.addBlock({ ...json.blocks[0] }), /chain order/);
    await w.abort();
    expect((await readdir(dir)).filter((f) => f.includes("order"))).to.deep.equal([]);
  });

  it("study: the SQL conflict rate, dependent transactions and streamed chains agree with `conflicts analyze` on the corpus", async () => {
    const tree = path.join(dir, "corpus.parquet");
    const sql = path.join(dir, "dependents.sql");
    await writeFile(
      sql,
      "-- Dependent transactions\nSELECT COUNT(*) AS dependents FROM (SELECT block, tx FROM deps WHERE prev_writer IS NOT NULL GROUP BY block, tx) d\n",
    );
    const r = await runStudy(tree, { sql: [sql], progress: { env: { CI: "true" } } });
    const expected = analyze(json).result;
    const section = (name: string) => r.sections.find((s) => s.name === name)!;
    const rate = section("conflict-rate");
    const col = (s: { columns: string[] }, c: string) => s.columns.indexOf(c);
    expect(rate.rows.reduce((n, row) => n + Number(row[col(rate, "conflicting_txs")]), 0)).to.equal(expected.conflictingTxs);
    expect(rate.rows.reduce((n, row) => n + Number(row[col(rate, "blocks")]), 0)).to.equal(
      json.blocks.filter((b) => b.txs.length > 0).length,
    );
    expect(section("dependents").rows).to.deep.equal([[expected.dependentTxs]]);
    expect(r.sections.map((s) => s.name)).to.include.members([
      "hot-contracts",
      "hot-variables",
      "hot-function-pairs",
      "serialized-share",
      "trends-by-month",
      "chain-lengths",
    ]);
    const chains = await blockChains(tree);
    expect(chains.map((c) => [c.block, c.longestChain])).to.deep.equal(expected.perBlock.map((b) => [b.number, b.longestChain]));
    expect(studyMarkdown(r)).to.include("## Hot contracts");
    expect(studyHtml(r)).to.match(/^<!doctype html>/);
  });

  it("study: materializing the deps view once gives the same rows in every section", async () => {
    const tree = path.join(dir, "corpus.parquet");
    const opts = { noChains: true, progress: { env: { CI: "true" } } };
    const plainRun = await runStudy(tree, opts);
    const materialized = await runStudy(tree, { ...opts, materializeDeps: true });
    expect(plainRun.sections.length).to.be.greaterThan(5);
    expect(materialized.sections.map((s) => [s.name, s.columns, s.rows])).to.deep.equal(
      plainRun.sections.map((s) => [s.name, s.columns, s.rows]),
    );
  });

  it("study: a block range limits every query, and a bad user SQL file is named", async () => {
    const tree = path.join(dir, "corpus.parquet");
    const one = json.blocks[5].number;
    const r = await runStudy(tree, { from: one, to: one, noChains: true, progress: { env: { CI: "true" } } });
    const rate = r.sections.find((s) => s.name === "conflict-rate")!;
    expect(rate.rows.reduce((n, row) => n + Number(row[rate.columns.indexOf("txs")]), 0)).to.equal(json.blocks[5].txs.length);
    const bad = path.join(dir, "bad.sql");
    await writeFile(bad, "SELECT nope FROM accesses\n");
    const err = await runStudy(tree, { sql: [bad], noBuiltin: true, noChains: true, progress: { env: { CI: "true" } } }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.include(bad);
  });
});
