/** The report's model, view building, HTML escaping and the `conflicts report` task (no browser). */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import hre from "hardhat";
import { escapeHtml, jsonForScript, renderReportHtml, scriptForHtml } from "../../src/report/html.js";
import { parseReportData, ReportDataError, type ReportData, type ReportDataInput } from "../../src/report/model.js";
import { buildGraphView, buildMatrixView, buildReportView } from "../../src/report/view.js";
import { loadReportData } from "../../src/pipeline/index.js";

const SAMPLE = "fixtures/report/sample.json";
const rawSample = async () => JSON.parse(await readFile(SAMPLE, "utf8")) as ReportDataInput;

function tiny(): ReportDataInput {
  return {
    format: "disjoint.report",
    version: 1,
    title: "tiny",
    source: { kind: "synthetic", description: "hand-made model input for validation tests" },
    summary: { txs: 4, blocks: 1, conflictRate: 0.5, longestChain: 2, components: 3 },
    hotSlots: [{ address: "0x" + "11".repeat(20), slot: "0x0", txCount: 2, writers: 2, readers: 0 }],
    functionMatrix: { functions: ["A.f", "B.g"], cells: [{ a: "A.f", b: "B.g", count: 1, kind: "write-write" }] },
    speedups: { threads: [1, 2], series: [{ scheduler: "serial", speedup: [1, 1] }] },
    gantt: {
      threads: 2,
      tasks: [{ tx: 0, incarnation: 0, thread: 1, start: 0, end: 5, kind: "execute", aborted: false }],
    },
    graph: { nodes: [0, 1, 2, 3].map((id) => ({ id })), edges: [{ source: 0, target: 1 }] },
  };
}

/** A calibrated prediction as the pipeline writes it (figures made up for the renderer's tests). */
function predicted(): NonNullable<ReportDataInput["speedups"]["predicted"]> {
  return {
    engine: "pevm-test-c2",
    description: "a test engine",
    hardware: "Test Machine 9000",
    calibratedThreads: 2,
    validation: "median abs error 7.5% on test blocks",
    relaxation: "lazy nothing",
    speedup: [0.9, 1.4],
    fallbacks: [0, 0],
  };
}

function problemsOf(input: unknown): string {
  try {
    parseReportData(input, "in.json");
  } catch (e) {
    expect(e).to.be.instanceOf(ReportDataError);
    return (e as Error).message;
  }
  throw new Error("expected a ReportDataError");
}

describe("report model", function () {
  it("accepts the synthetic sample and fills defaults", async function () {
    const d = parseReportData(await rawSample(), SAMPLE);
    expect(d.source.kind).to.equal("synthetic");
    expect(d.gantt.scheduler).to.equal("block-stm");
    const t = parseReportData(tiny());
    expect(t.gantt.unit).to.equal("gas");
  });

  it("rejects inconsistent data with the path and the problem", function () {
    const a = tiny();
    a.functionMatrix.cells[0].b = "C.h";
    expect(problemsOf(a)).to.match(/functionMatrix\.cells\.0\.b: function "C\.h" is not listed/);

    const b = tiny();
    b.speedups.series[0].speedup = [1];
    expect(problemsOf(b)).to.match(/speedups\.series\.0\.speedup: has 1 values but speedups\.threads has 2/);

    const c = tiny();
    c.gantt.tasks[0].thread = 2;
    c.gantt.tasks[0].end = -1;
    const msg = problemsOf(c);
    expect(msg).to.match(/gantt\.tasks\.0\.thread: thread 2 but gantt\.threads is 2/);
    expect(msg).to.match(/gantt\.tasks\.0\.end/);

    const d = tiny();
    d.graph.edges.push({ source: 3, target: 9 });
    expect(problemsOf(d)).to.match(/graph\.edges\.1\.target: no node with id 9/);

    const e = tiny() as Record<string, unknown>;
    e.extra = 1;
    expect(problemsOf(e)).to.match(/extra/);

    const f = tiny();
    f.summary.conflictRate = 1.5;
    expect(problemsOf(f)).to.match(/summary\.conflictRate: conflictRate must be in \[0, 1\]/);

    const g = tiny();
    g.speedups.predicted = { ...predicted(), speedup: [1] };
    expect(problemsOf(g)).to.match(/speedups\.predicted\.speedup: has 1 values but speedups\.threads has 2/);
  });

  it("names an unsupported version and how to fix it", function () {
    expect(problemsOf({ ...tiny(), version: 2 })).to.match(/version 2 is not supported; this build reads version 1 \(regenerate/);
  });
});

describe("report view", function () {
  it("mirrors off-diagonal matrix cells and keeps diagonal ones once", function () {
    const v = buildMatrixView({
      functions: ["A", "B", "C"],
      cells: [
        { a: "A", b: "A", count: 3, kind: "write-write" },
        { a: "A", b: "C", count: 5, kind: "read-write", variable: "x" },
      ],
    });
    expect(v.points).to.deep.equal([
      [0, 0, 3, "write-write", null],
      [0, 2, 5, "read-write", "x"],
      [2, 0, 5, "read-write", "x"],
    ]);
    expect(v.max).to.equal(5);
  });

  it("draws the largest component, capped breadth-first from its best-connected node", function () {
    // Component {0..5}: a star around 2 plus a tail 5-4; component {10,11}; isolated 20.
    const nodes = [0, 1, 2, 3, 4, 5, 10, 11, 20].map((id) => ({ id, function: id < 5 ? "F.a" : "F.b" }));
    const edges = [
      [0, 2],
      [1, 2],
      [2, 3],
      [2, 4],
      [4, 5],
      [10, 11],
    ].map(([source, target]) => ({ source: source!, target: target! }));
    const full = buildGraphView({ nodes, edges });
    expect(full.componentNodes).to.equal(6);
    expect(full.componentEdges).to.equal(5);
    expect(full.root).to.equal(2);
    expect(full.capped).to.equal(false);
    expect(full.nodes.map((n) => n.tx)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(full.categories).to.deep.equal(["F.a", "F.b"]);

    const capped = buildGraphView({ nodes, edges }, 4);
    expect(capped.capped).to.equal(true);
    expect(capped.nodes.map((n) => n.tx)).to.deep.equal([0, 1, 2, 3]); // 2, then its neighbours in id order
    expect(capped.edges).to.have.length(3);
    expect(buildGraphView({ nodes: [], edges: [] }).nodes).to.deep.equal([]);
  });

  it("counts executions, re-executions and aborts of the Gantt schedule", async function () {
    const d = await loadReportData(SAMPLE);
    const g = buildReportView(d).gantt;
    const exec = d.gantt.tasks.filter((t) => t.kind === "execute");
    expect(g.tasks).to.have.length(d.gantt.tasks.length);
    expect(g.stats.executions).to.equal(exec.length);
    expect(g.stats.abortedExecutions).to.equal(exec.filter((t) => t.aborted).length);
    expect(g.stats.reExecutions).to.equal(exec.filter((t) => t.incarnation > 0).length);
    expect(g.stats.makespan).to.equal(Math.max(...d.gantt.tasks.map((t) => t.end)));
  });
});

describe("report HTML", function () {
  const evil = `<img src=x onerror=alert(1)></script><!--&"'`;

  it("escapes text, JSON and script for embedding", function () {
    expect(escapeHtml(evil)).to.equal("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;!--&amp;&quot;&#39;");
    const json = jsonForScript({ s: evil + "\u2028" });
    expect(json).to.not.match(/[<>&\u2028]/);
    expect(JSON.parse(json)).to.deep.equal({ s: evil + "\u2028" });
    expect(scriptForHtml('a("</script>");b("<!--")')).to.equal('a("<\\/script>");b("<\\!--")');
  });

  it("renders a page with every section, no raw user markup and the view data embedded", function () {
    const input = tiny();
    input.title = `T ${evil}`;
    input.hotSlots[0].name = `S ${evil}`;
    input.functionMatrix.functions[0] = `F ${evil}`;
    input.functionMatrix.cells[0].a = `F ${evil}`;
    const d = parseReportData(input);
    const html = renderReportHtml(d, { echartsSource: "/* echarts stand-in */" });
    expect(html).to.not.contain("<img");
    expect(html.match(/<\/script/gi)).to.have.length(3); // only the page's own three scripts
    expect(html).to.contain("T &lt;img src=x");
    for (const id of ["h-summary", "h-hot", "h-matrix", "h-speed", "h-gantt", "h-graph"]) expect(html).to.contain(`id="${id}"`);
    for (const id of ["chart-matrix", "chart-speedups", "chart-gantt", "chart-graph"]) expect(html).to.contain(`id="${id}"`);
    expect(html).to.contain("Content-Security-Policy");
    const embedded = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1];
    expect(JSON.parse(embedded)).to.deep.equal(JSON.parse(JSON.stringify(buildReportView(d))));
  });

  it("leads with the calibrated prediction, names its engine, hardware and validation error, and labels the idealized curves as upper bounds", function () {
    const input = tiny();
    input.speedups.series.push({ scheduler: "block-stm", label: "Block-STM", speedup: [1, 1.9] });
    input.speedups.predicted = predicted();
    const d = parseReportData(input);
    const view = buildReportView(d);
    expect(view.speedups.series.map((x) => x.label)).to.deep.equal(["predicted: pevm-test-c2", "serial", "Block-STM (idealized)"]);
    expect(view.speedups.series[0].data).to.deep.equal([
      [1, 0.9],
      [2, 1.4],
    ]);
    const html = renderReportHtml(d, { echartsSource: "" });
    // The summary's speedup card is the prediction at the calibrated thread count; the idealized best is an upper bound.
    expect(html).to.match(
      /<dt>Predicted speedup<\/dt><dd><span class="value">1\.40×<\/span><span class="hint">pevm-test-c2 at 2 threads \(calibrated; Test Machine 9000\)/,
    );
    expect(html).to.match(/<dt>Upper bound: Block-STM \(idealized\)<\/dt><dd><span class="value">1\.90×/);
    expect(html).to.contain("validation: median abs error 7.5% on test blocks");
    expect(html).to.contain("upper bounds, not predictions");

    // Without a prediction: no predicted card, and the curves still say they are the idealized model.
    const plain = renderReportHtml(parseReportData(tiny()), { echartsSource: "" });
    expect(plain).to.not.contain("Predicted speedup");
    expect(plain).to.contain("idealized model");
  });

  it("inlines the current bundle of the page's script (src/report/client/main.ts)", async function () {
    this.timeout(30_000);
    // The build script is plain JavaScript (run by `npm run build`); its one export is typed here.
    const script: string = "../../scripts/build-report-client.mjs";
    const { bundleReportClient } = (await import(script)) as { bundleReportClient(): Promise<string> };
    const committed = await readFile(new URL("../../src/report/client-bundle.ts", import.meta.url), "utf8");
    expect(committed, "src/report/client-bundle.ts is stale: run `npm run build:report-client`").to.equal(await bundleReportClient());
    const html = renderReportHtml(parseReportData(tiny()), { echartsSource: "/* echarts stand-in */" });
    expect(html).to.contain("window.__reportStatus = status");
  });

  it("shows placeholders instead of empty charts", function () {
    const input = tiny();
    input.functionMatrix.cells = [];
    input.gantt.tasks = [];
    input.graph = { nodes: [], edges: [] };
    input.hotSlots = [];
    const html = renderReportHtml(parseReportData(input), { echartsSource: "" });
    expect(html).to.not.contain('id="chart-matrix"');
    expect(html).to.not.contain('id="chart-gantt"');
    expect(html).to.not.contain('id="chart-graph"');
    expect(html).to.contain('id="chart-speedups"');
    expect(html).to.contain("No slot is written by more than one transaction");
  });
});

describe("conflicts report task", function () {
  let dir: string;
  let errors: string[];
  let logs: string[];
  const origError = console.error;
  const origLog = console.log;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "disjoint-report-task-"));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(function () {
    errors = [];
    logs = [];
    console.error = (...a: unknown[]) => void errors.push(a.join(" "));
    console.log = (...a: unknown[]) => void logs.push(a.join(" "));
  });
  afterEach(function () {
    console.error = origError;
    console.log = origLog;
    process.exitCode = undefined;
  });

  const run = (args: Record<string, unknown>) => hre.tasks.getTask(["conflicts", "report"]).run({ maxGraphNodes: 250, html: "", ...args });

  it("writes the HTML report from a ReportData file (also gzipped), creating the directory", async function () {
    const out = join(dir, "nested", "out.html");
    await run({ file: SAMPLE, html: out });
    expect(process.exitCode ?? 0).to.equal(0);
    const html = await readFile(out, "utf8");
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.contain("echarts"); // the bundle is inlined
    expect(logs.join("\n")).to.match(/wrote .*out\.html .*300 txs/);
    expect((await readdir(join(dir, "nested"))).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);

    const gz = join(dir, "sample.json.gz");
    await writeFile(gz, gzipSync(await readFile(SAMPLE)));
    await run({ file: gz, html: join(dir, "gz.html"), maxGraphNodes: 10 });
    expect(logs.join("\n")).to.match(/graph 10\/300 nodes drawn/);
  });

  it("reports straight from an access-set file: a replayed mainnet block", async function () {
    const out = join(dir, "mainnet.html");
    await run({ file: "fixtures/mainnet/12244000/access-sets.json.gz", html: out, maxGraphNodes: 100 });
    expect(existsSync(out)).to.equal(true);
    const html = await readFile(out, "utf8");
    // The block's own numbers reach the page: its transaction count and its schedulers.
    const file = JSON.parse(gunzipSync(await readFile("fixtures/mainnet/12244000/access-sets.json.gz")).toString("utf8"));
    expect(logs.join("\n")).to.match(new RegExp(`${file.blocks[0].txs.length} txs`));
    expect(html).to.include("block-stm");
    // The calibrated prediction of the default engine profile, with its validation error read from the profile's fit record.
    const profile = JSON.parse(await readFile("src/schedule/engines/pevm-graviton3-c12.json", "utf8"));
    expect(html).to.contain("Predicted speedup");
    expect(html).to.contain(escapeHtml(profile.fit.validationSummary));
    expect(html).to.contain(escapeHtml(profile.hardware));
  });

  it("reports bad input clearly, exits 1 and writes nothing", async function () {
    const cases: [string, string, RegExp][] = [
      ["missing.json", "", /cannot read .*missing\.json/],
      ["bad.json", "{ not json", /bad\.json is not valid JSON .*truncated/],
      [
        "access.json",
        JSON.stringify({ format: "disjoint.access-sets", version: 1 }),
        /access\.json is not a valid disjoint\.access-sets v1 file/,
      ],
      [
        "other.json",
        JSON.stringify({ hello: 1 }),
        /other\.json is not valid disjoint\.report v1 data:\n {2}at format: expected "disjoint\.report", found no format field/,
      ],
      ["invalid.json", JSON.stringify({ ...tiny(), summary: { txs: -1 } }), /invalid\.json is not valid .*\n {2}at summary\.txs/],
    ];
    for (const [name, content, pattern] of cases) {
      const file = join(dir, name);
      if (content) await writeFile(file, content);
      const out = join(dir, `${name}.html`);
      errors = [];
      process.exitCode = undefined;
      await run({ file, html: out });
      expect(process.exitCode, name).to.equal(1);
      expect(errors.join("\n"), name).to.match(pattern);
      expect(existsSync(out), name).to.equal(false);
    }
    errors = [];
    await run({ file: SAMPLE });
    expect(errors.join("\n")).to.match(/pass --html out\.html/);
    errors = [];
    await run({ file: SAMPLE, html: join(dir, "x.html"), maxGraphNodes: 0 });
    expect(errors.join("\n")).to.match(/--max-graph-nodes must be a positive integer, got 0/);
    expect(existsSync(join(dir, "x.html"))).to.equal(false);
  });

  it("keeps the fixture a labelled synthetic sample", async function () {
    const d: ReportData = await loadReportData(SAMPLE);
    expect(d.source.kind).to.equal("synthetic");
    expect(d.title).to.match(/^Synthetic sample/);
    expect(d.notes!.join(" ")).to.match(/None of these numbers is a measurement/);
  });
});
