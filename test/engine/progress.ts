/** The terminal progress bar: TTY redraws, one line in logs, silence under CI. */
import { expect } from "chai";
import { createProgress, formatDuration, isCI } from "../../src/report/progress.js";

function fakeStream(isTTY: boolean, columns = 100) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns, write: (s: string) => void out.push(s) } };
}

describe("progress bar", function () {
  it("reads CI like CI systems set it", function () {
    expect(isCI({ CI: "true" })).to.equal(true);
    expect(isCI({ CI: "1" })).to.equal(true);
    expect(isCI({ CI: "false" })).to.equal(false);
    expect(isCI({ CI: "" })).to.equal(false);
    expect(isCI({})).to.equal(false);
  });

  it("is silent when CI=true, even on a terminal", function () {
    const { out, stream } = fakeStream(true);
    const bar = createProgress({ label: "replay", total: 10, stream, env: { CI: "true" } });
    expect(bar.mode).to.equal("silent");
    for (let i = 0; i < 10; i++) bar.tick();
    bar.finish();
    expect(out).to.deep.equal([]);
    expect(bar.done).to.equal(10);
  });

  it("redraws one line on a terminal, throttled, and ends it with a newline", function () {
    let t = 0;
    const { out, stream } = fakeStream(true, 90);
    const bar = createProgress({ label: "capture", total: 4, unit: "txs", stream, env: {}, now: () => t, minIntervalMs: 100 });
    expect(bar.mode).to.equal("tty");
    t = 10;
    bar.tick(); // first draw
    t = 20;
    bar.tick(); // throttled
    t = 1010;
    bar.tick(); // drawn
    bar.tick(); // throttled
    bar.finish();
    bar.tick(); // after finish: ignored
    expect(out).to.have.length(4);
    expect(out[0]).to.equal(
      "\r\x1b[2Kcapture  [" +
        "█".repeat(Math.round(0.25 * 30)) +
        "░".repeat(30 - Math.round(0.25 * 30)) +
        "]   25%  1/4 txs  0.0s  eta 0.0s",
    );
    // eslint-disable-next-line no-control-regex -- the bar's output starts with an ANSI escape
    expect(out[1]).to.match(/^\r\x1b\[2Kcapture {2}\[.*\] {3}75% {2}3\/4 txs {2}1\.0s {2}eta 0\.3s$/);
    expect(out[2]).to.match(/100% {2}4\/4 txs {2}1\.0s$/);
    expect(out[3]).to.equal("\n");
    for (const line of out) expect(line.length).to.be.lessThan(90 + 6);
  });

  it("writes one summary line when not a terminal, and nothing after stop()", function () {
    let t = 0;
    const { out, stream } = fakeStream(false);
    const bar = createProgress({ label: "simulate", total: 3, unit: "blocks", stream, env: {}, now: () => t });
    expect(bar.mode).to.equal("plain");
    bar.update(2);
    t = 2500;
    bar.finish();
    expect(out).to.deep.equal(["simulate: 2/3 blocks (2.5s)\n"]);

    const b2 = fakeStream(true);
    const stopped = createProgress({ label: "x", stream: b2.stream, env: {} });
    stopped.tick();
    stopped.stop();
    stopped.finish();
    expect(b2.out).to.deep.equal(["\r\x1b[2Kx  1  0.0s", "\r\x1b[2K"]);
  });

  it("prints log lines without tearing the bar: clear, line, redraw", function () {
    let t = 0;
    const { out, stream } = fakeStream(true, 90);
    const log = fakeStream(false);
    const bar = createProgress({ label: "replay", total: 2, unit: "blocks", stream, env: {}, now: () => t, minIntervalMs: 0 });
    bar.tick();
    t = 5;
    bar.log("block 1 ok", log.stream);
    expect(log.out).to.deep.equal(["block 1 ok\n"]);
    expect(out[1]).to.equal("\r\x1b[2K");
    // eslint-disable-next-line no-control-regex -- the bar's output starts with an ANSI escape
    expect(out[2]).to.match(/^\r\x1b\[2Kreplay {2}\[.*\] {3}50% {2}1\/2 blocks/);
    // Under CI the line still prints, and the bar stays silent.
    const quiet = fakeStream(true);
    const silent = createProgress({ label: "replay", total: 2, stream: quiet.stream, env: { CI: "true" } });
    silent.log("block 2 ok", log.stream);
    expect(log.out[1]).to.equal("block 2 ok\n");
    expect(quiet.out).to.deep.equal([]);
  });

  it("formats durations compactly", function () {
    expect(formatDuration(400)).to.equal("0.4s");
    expect(formatDuration(125_000)).to.equal("2m05s");
    expect(formatDuration(3_720_000)).to.equal("1h02m");
  });
});
