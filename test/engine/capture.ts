import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAccessSetFile } from "../../src/access/io.js";
import { captureRange, DebugApiMissingError } from "../../src/replay/index.js";

const A = "0x" + "aa".repeat(20);
const B = "0x" + "bb".repeat(20);
const TOKEN = "0x" + "cc".repeat(20);
const COINBASE = "0x" + "dd".repeat(20);
const slot = (n: number) => "0x" + n.toString(16).padStart(64, "0");

/** A synthetic chain: blocks 100..102, two txs each: a token transfer and a plain ETH transfer. */
function chain(n: number) {
  const h = (i: number) => "0x" + (n * 10 + i).toString(16).padStart(64, "0");
  const transactions = [
    { hash: h(1), from: A, to: TOKEN, input: "0xa9059cbb" + "00".repeat(64) },
    { hash: h(2), from: B, to: A, input: "0x" },
  ];
  const plain = [
    {
      [A]: { balance: "0x10", nonce: 1 },
      [TOKEN]: { balance: "0x0", code: "0x6000", storage: { [slot(1)]: "0x5", [slot(2)]: "0x0", [slot(3)]: "0x7" } },
      [COINBASE]: { balance: "0x1" },
    },
    { [A]: { balance: "0x10" }, [B]: { balance: "0x20", nonce: 4 }, [COINBASE]: { balance: "0x1" } },
  ];
  const diff = [
    {
      pre: { [A]: { balance: "0x10", nonce: 1 }, [TOKEN]: { balance: "0x0", storage: { [slot(1)]: "0x5" } } },
      // slot 1: 5 -> 2, slot 2: 0 -> 3; slot 3 only read
      post: { [A]: { balance: "0xf", nonce: 2 }, [TOKEN]: { storage: { [slot(1)]: "0x2", [slot(2)]: "0x3" } } },
    },
    {
      pre: { [A]: { balance: "0x10" }, [B]: { balance: "0x20", nonce: 4 } },
      post: { [A]: { balance: "0x11" }, [B]: { balance: "0x1e", nonce: 5 } },
    },
  ];
  return {
    block: {
      number: "0x" + n.toString(16),
      hash: h(0),
      miner: COINBASE,
      gasUsed: "0x" + (50_000 + 21_000).toString(16),
      timestamp: "0x10",
      transactions,
    },
    receipts: [
      { transactionHash: h(1), gasUsed: "0xc350", status: "0x1" },
      { transactionHash: h(2), gasUsed: "0x5208", status: "0x0" },
    ],
    plain: plain.map((result, i) => ({ txHash: transactions[i].hash, result })),
    diff: diff.map((result, i) => ({ txHash: transactions[i].hash, result })),
  };
}

interface Stub {
  url: string;
  log: string[];
  server: Server;
}

async function stub(opts: { fail503?: number; noDebug?: boolean; brokenBlock?: number } = {}): Promise<Stub> {
  const log: string[] = [];
  let fails = opts.fail503 ?? 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      log.push(`${method} ${JSON.stringify(params[0] ?? null)}`);
      if (fails > 0) {
        fails--;
        res.writeHead(503).end("busy");
        return;
      }
      const reply = (x: object) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, ...x }));
      const n = typeof params[0] === "string" ? Number(BigInt(params[0] as string)) : -1;
      if (method === "eth_chainId") return reply({ result: "0x1" });
      if (method.startsWith("debug_") && opts.noDebug) {
        return reply({ error: { code: -32601, message: `the method ${method} does not exist/is not available` } });
      }
      if (n === opts.brokenBlock) {
        res.writeHead(500).end("down");
        return;
      }
      const c = chain(n);
      if (method === "eth_getBlockByNumber") return reply({ result: c.block });
      if (method === "eth_getBlockReceipts") return reply({ result: c.receipts });
      if (method === "debug_traceBlockByNumber") {
        const cfg = params[1] as { tracerConfig?: { diffMode?: boolean } };
        return reply({ result: cfg.tracerConfig?.diffMode ? c.diff : c.plain });
      }
      reply({ error: { code: -32601, message: `unexpected ${method}` } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/secret-key`, log, server };
}

describe("mainnet capture from a node (stub server)", function () {
  let dir: string;
  const stubs: Stub[] = [];
  const open = async (o?: Parameters<typeof stub>[0]) => {
    const s = await stub(o);
    stubs.push(s);
    return s;
  };
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "disjoint-capture-"));
  });
  afterEach(async function () {
    for (const s of stubs.splice(0)) s.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("captures blocks into a valid access-set file: exact writes, touched slots as reads, gas and status", async function () {
    const s = await open();
    const out = join(dir, "cap.json.gz");
    const r = await captureRange({ rpc: s.url, from: 100, to: 102, out, backoffMs: 1 });
    expect(r).to.include({ blocks: 3, txs: 6, resumed: 0 });
    const file = await loadAccessSetFile(out);
    expect(file.source.kind).to.equal("rpc");
    const [t0, t1] = file.blocks[0].txs;
    expect(t0!.storage.writes).to.have.deep.members([
      [TOKEN, slot(1)],
      [TOKEN, slot(2)],
    ]);
    expect(t0!.storage.reads).to.deep.include([TOKEN, slot(3)]);
    expect(t0!.accounts.writes).to.have.deep.members([
      [A, "balance"],
      [A, "nonce"],
    ]);
    expect(t0!.accounts.reads).to.deep.include([TOKEN, "code"]);
    expect(t0).to.include({ gasUsed: 50_000, status: "success", selector: "0xa9059cbb" });
    expect(t1).to.include({ gasUsed: 21_000, status: "reverted", selector: null });
    expect(t1!.storage.writes).to.deep.equal([]);
    expect(existsSync(`${out}.parts`)).to.equal(false);
  });

  it("retries transient HTTP errors with backoff", async function () {
    const s = await open({ fail503: 3 });
    const retries: number[] = [];
    const r = await captureRange({
      rpc: s.url,
      from: 100,
      to: 100,
      out: join(dir, "c.json"),
      backoffMs: 1,
      onRetry: (x) => retries.push(x.delayMs),
    });
    expect(r.txs).to.equal(2);
    expect(retries).to.deep.equal([1, 2, 4]);
  });

  it("fails clearly when the node has no debug API, without leaking the URL's path", async function () {
    const s = await open({ noDebug: true });
    let err: Error | undefined;
    await captureRange({ rpc: s.url, from: 100, to: 100, out: join(dir, "c.json"), backoffMs: 1 }).catch((e: Error) => (err = e));
    expect(err).to.be.instanceOf(DebugApiMissingError);
    expect(err!.message).to.contain("debug API");
    expect(err!.message).to.not.contain("secret-key");
    expect(existsSync(join(dir, "c.json"))).to.equal(false);
  });

  it("resumes after an interruption from per-block partial files", async function () {
    const out = join(dir, "c.json.gz");
    const broken = await open({ brokenBlock: 101 });
    let err: Error | undefined;
    await captureRange({ rpc: broken.url, from: 100, to: 102, out, retries: 2, backoffMs: 1 }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/failed 2 times/);
    expect(existsSync(join(`${out}.parts`, "100.json"))).to.equal(true);
    expect(existsSync(out)).to.equal(false);

    const healthy = await open();
    const r = await captureRange({ rpc: healthy.url, from: 100, to: 102, out, backoffMs: 1 });
    expect(r).to.include({ blocks: 3, resumed: 1 });
    expect(healthy.log.some((l) => l.startsWith("eth_getBlockByNumber") && l.includes('"0x64"'))).to.equal(false);
    expect((await loadAccessSetFile(out)).blocks.map((b) => b.number)).to.deep.equal([100, 101, 102]);
  });
});
