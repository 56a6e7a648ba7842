/**
 * The HTML report in a real browser: headless Chromium (playwright-core) opens the report made
 * from the synthetic sample, and every chart must render with the data counts the sample
 * implies, with no console error and no network request. Saves a screenshot to a temporary
 * directory (set REPORT_SCREENSHOT=FILE to keep it, e.g. bench/results/report.png).
 *
 * Which Chromium: $CHROMIUM_PATH, else a system Chromium or Chrome, else the headless Chromium
 * packaged in the `@sparticuz/chromium` dev dependency (Linux x64), so npm alone is enough.
 */
import { expect } from "chai";
import { accessSync, constants, existsSync } from "node:fs";
import { copyFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { arch, platform, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { renderReportHtml } from "../../src/report/html.js";
import { parseReportData, type ReportData } from "../../src/report/model.js";
import { loadReportData } from "../../src/pipeline/index.js";

// Browser globals for the page.evaluate callbacks (the project compiles without the DOM lib).
declare const window: any;
declare const document: any;

const SAMPLE = "fixtures/report/sample.json";

/** Flags for any Chromium launched here: headless, and nothing that reaches the network. */
const QUIET_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface ChromiumChoice {
  executablePath: string;
  args: string[];
  source: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A system Chromium or Chrome: the usual names on PATH, then the usual install locations. */
function systemChromium(): string | undefined {
  const names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  const candidates = [
    ...names.flatMap((n) => dirs.map((d) => join(d, n))),
    "/usr/bin/chromium",
    "/usr/bin/google-chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  ];
  return candidates.find(isExecutable);
}

/** CHROMIUM_PATH, else a system browser, else the npm-packaged Chromium (Linux x64 only). */
async function chooseChromium(): Promise<ChromiumChoice> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!isExecutable(fromEnv)) {
      throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file; point it at a Chromium or Chrome binary, or unset it.`);
    }
    return { executablePath: fromEnv, args: QUIET_FLAGS, source: "CHROMIUM_PATH" };
  }
  const system = systemChromium();
  if (system !== undefined) return { executablePath: system, args: QUIET_FLAGS, source: "system" };
  if (platform() !== "linux" || arch() !== "x64") {
    throw new Error(
      `No Chromium found on ${platform()}/${arch()}: install Chromium or Chrome, or set CHROMIUM_PATH to its binary (the npm-packaged Chromium covers Linux x64 only).`,
    );
  }
  const packaged = (await import("@sparticuz/chromium")).default;
  packaged.setGraphicsMode = false;
  const executablePath = await packaged.executablePath();
  // Its --single-process flag (for AWS Lambda) ends the browser when a page closes; not needed here.
  const args = [...packaged.args.filter((a) => !a.startsWith("--headless") && a !== "--single-process"), ...QUIET_FLAGS];
  return { executablePath, args, source: "@sparticuz/chromium" };
}

interface Status {
  ready: boolean;
  errors: string[];
  charts: Record<string, Record<string, number | boolean>>;
}

/** Largest connected component size, computed here independently of src/report/view.ts. */
function largestComponent(d: ReportData): number {
  const parent = new Map<number, number>(d.graph.nodes.map((n) => [n.id, n.id]));
  const find = (x: number): number => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const e of d.graph.edges) parent.set(find(e.source), find(e.target));
  const sizes = new Map<number, number>();
  for (const n of d.graph.nodes) sizes.set(find(n.id), (sizes.get(find(n.id)) ?? 0) + 1);
  return Math.max(0, ...sizes.values());
}

describe("HTML report in headless Chromium", function () {
  this.timeout(120_000);
  let browser: Browser;
  let dir: string;
  let sample: ReportData;

  before(async function () {
    const choice = await chooseChromium();
    browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
    dir = await mkdtemp(join(tmpdir(), "disjoint-report-"));
    sample = await loadReportData(SAMPLE);
  });

  after(async function () {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens html in a fresh page, recording console errors and every request but the page itself. */
  async function open(html: string, name: string, width: number, height = 900) {
    const file = join(dir, name);
    await writeFile(file, html);
    const url = pathToFileURL(file).href;
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => (window as unknown as { __reportStatus?: Status }).__reportStatus?.ready === true, null, {
      timeout: 30_000,
    });
    const status = (await page.evaluate(() => (window as unknown as { __reportStatus: Status }).__reportStatus)) as Status;
    return { page, status, consoleErrors, requests };
  }

  it("renders every chart of the sample with the expected data, offline and without errors", async function () {
    const html = renderReportHtml(sample);
    const { page, status, consoleErrors, requests } = await open(html, "sample.html", 1280);
    try {
      expect(consoleErrors, "console errors").to.deep.equal([]);
      expect(requests, "network requests").to.deep.equal([]);
      expect(status.errors).to.deep.equal([]);

      const cells = sample.functionMatrix.cells;
      const matrixPoints = cells.reduce((n, c) => n + (c.a === c.b ? 1 : 2), 0);
      expect(status.charts["chart-matrix"]).to.deep.equal({
        points: matrixPoints,
        functions: sample.functionMatrix.functions.length,
      });

      const sp = sample.speedups;
      // The calibrated prediction, when the sample carries one, is a curve of its own.
      const curves = sp.series.length + (sp.predicted ? 1 : 0);
      expect(status.charts["chart-speedups"]).to.deep.equal({
        series: curves,
        points: curves * sp.threads.length,
        limit: sp.series.some((s) => s.scheduler === "dag"),
      });

      const tasks = sample.gantt.tasks;
      expect(status.charts["chart-gantt"]).to.deep.equal({
        tasks: tasks.length,
        aborted: tasks.filter((t) => t.aborted).length,
        threads: sample.gantt.threads,
      });
      expect(
        tasks.some((t) => t.aborted && t.kind === "execute"),
        "the sample schedule shows aborts",
      ).to.equal(true);
      expect(
        tasks.some((t) => t.incarnation > 0),
        "the sample schedule shows re-executions",
      ).to.equal(true);

      const comp = largestComponent(sample);
      const g = status.charts["chart-graph"];
      expect(g.nodes).to.equal(Math.min(comp, 250));
      expect(g.edges as number).to.be.greaterThanOrEqual((g.nodes as number) - 1); // drawn part is connected
      expect(g.categories as number).to.be.greaterThan(0);

      // The containers advertise the same counts, and each chart drew a canvas of real size.
      const attrs = await page.evaluate(() =>
        [...document.querySelectorAll(".chart")].map((el: any) => {
          const c = el.querySelector("canvas");
          return {
            id: el.id,
            rendered: el.dataset.rendered,
            data: { ...el.dataset },
            canvas: c ? [c.width, c.height] : null,
          };
        }),
      );
      expect(attrs.map((a) => a.id)).to.deep.equal(["chart-matrix", "chart-speedups", "chart-gantt", "chart-graph"]);
      for (const a of attrs) {
        expect(a.rendered, a.id).to.equal("true");
        expect(a.canvas![0], a.id).to.be.greaterThan(300);
        expect(a.canvas![1], a.id).to.be.greaterThan(200);
      }
      expect(Number(attrs[0].data.points)).to.equal(matrixPoints);
      expect(Number(attrs[2].data.tasks)).to.equal(tasks.length);
      expect(Number(attrs[3].data.nodes)).to.equal(g.nodes);

      // Tables: hot slots (decoded names shown) and the speedup table.
      const hotRows = await page.locator("table.hot tbody tr").count();
      expect(hotRows).to.equal(Math.min(20, sample.hotSlots.length));
      const named = sample.hotSlots.find((h) => h.name)!;
      expect(await page.locator("table.hot").innerText()).to.contain(named.name!);
      expect(await page.locator("table.speedups tbody tr").count()).to.equal(curves);
      expect(await page.locator("h1").innerText()).to.equal(sample.title);

      // The screenshot goes to the temp dir; REPORT_SCREENSHOT=FILE keeps a copy (no test writes a tracked file).
      const shot = join(dir, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).to.equal(true);
      const keep = process.env.REPORT_SCREENSHOT;
      if (keep !== undefined && keep !== "") {
        const tmp = `${keep}.${process.pid}.tmp.png`;
        await copyFile(shot, tmp);
        await rename(tmp, keep);
      }
    } finally {
      await page.close();
    }
  });

  it("fits a narrow (390px) screen: charts render and the page does not scroll sideways", async function () {
    const { page, status, consoleErrors } = await open(renderReportHtml(sample), "narrow.html", 390, 844);
    try {
      expect(consoleErrors).to.deep.equal([]);
      expect(Object.keys(status.charts).sort()).to.deep.equal(["chart-gantt", "chart-graph", "chart-matrix", "chart-speedups"]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).to.equal(0);
    } finally {
      await page.close();
    }
  });

  it("escapes hostile names everywhere, including chart tooltips", async function () {
    const evil = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>`;
    const d = structuredClone(sample) as ReportData & Record<string, unknown>;
    d.title = `Title ${evil}`;
    d.source.description = `desc ${evil}`;
    d.hotSlots[0].name = `slot ${evil}`;
    const fn0 = d.functionMatrix.functions[0];
    const evilFn = `fn ${evil}`;
    d.functionMatrix.functions[0] = evilFn;
    for (const c of d.functionMatrix.cells) {
      if (c.a === fn0) c.a = evilFn;
      if (c.b === fn0) c.b = evilFn;
      c.variable = `var ${evil}`;
    }
    d.speedups.series[0].label = `sched ${evil}`;
    d.graph.nodes.forEach((n) => (n.function = `g ${evil}`));
    const checked = parseReportData(d);
    const { page, status, consoleErrors, requests } = await open(renderReportHtml(checked), "evil.html", 1280);
    try {
      expect(consoleErrors).to.deep.equal([]);
      expect(requests).to.deep.equal([]);
      expect(status.errors).to.deep.equal([]);
      expect(await page.locator("h1").innerText()).to.equal(`Title ${evil}`);
      expect(await page.locator("table.hot").innerText()).to.contain(`slot ${evil}`);
      // Show a tooltip of every chart: the names must appear as text, never as markup.
      for (const [id, extra] of [
        ["chart-matrix", { dataIndex: 0 }],
        ["chart-speedups", { dataIndex: 1 }],
        ["chart-graph", { dataIndex: 0 }],
      ] as const) {
        const tip = await page.evaluate(
          ([elId, ex]) => {
            const w = window as unknown as { echarts: { getInstanceByDom(el: unknown): { dispatchAction(a: object): void } } };
            const el = document.getElementById(elId)!;
            w.echarts.getInstanceByDom(el).dispatchAction({ type: "showTip", seriesIndex: 0, ...ex });
            const tips = [...el.querySelectorAll("div")].filter((x: any) => x.style.position === "absolute" && x.innerText.length > 0);
            return tips.map((t: any) => t.innerText).join("\n");
          },
          [id, extra] as const,
        );
        expect(tip, `${id} tooltip`).to.contain("<img src=x");
      }
      const injected = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        imgs: document.querySelectorAll("img").length,
        scripts: document.querySelectorAll("script").length,
      }));
      expect(injected).to.deep.equal({ pwned: null, imgs: 0, scripts: 3 });
    } finally {
      await page.close();
    }
  });
});
