/**
 * A small progress bar for long captures, replays and simulations, on stderr so that stdout
 * stays clean for tables and JSON.
 *
 * - On a terminal: one line redrawn in place (at most every `minIntervalMs`), e.g.
 *   `replay  [██████████░░░░░░░░░░]  52%  520/1,000 txs  3.1s  eta 2.9s`
 * - Not a terminal (a pipe, a log file): nothing while running, one summary line at the end.
 * - CI=true (or any CI value but "", "0", "false"): silent.
 *
 *   const bar = createProgress({ label: "replay", total: blocks.length, unit: "blocks" });
 *   for (const b of blocks) { await replay(b); bar.tick(); }
 *   bar.finish();            // or bar.stop() on error: clears the line, prints nothing
 */

/** The part of a stream the bar uses (process.stderr satisfies it). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Short name shown before the bar, e.g. "capture". */
  label: string;
  /** Total units of work; omit when unknown (then a count is shown, no bar). */
  total?: number;
  /** Unit name shown after the count, e.g. "txs". */
  unit?: string;
  /** Defaults to process.stderr. */
  stream?: ProgressStream;
  /** Defaults to process.env; only CI is read. */
  env?: Record<string, string | undefined>;
  /** Minimum time between redraws on a terminal; default 80 ms. */
  minIntervalMs?: number;
  /** Clock in ms; for tests. */
  now?: () => number;
}

export type ProgressMode = "tty" | "plain" | "silent";

export interface Progress {
  readonly mode: ProgressMode;
  readonly done: number;
  /** Adds n (default 1) units of finished work. */
  tick(n?: number): void;
  /** Sets the finished work (and optionally a new total). */
  update(done: number, total?: number): void;
  /** Ends the bar: final state on a terminal, one line elsewhere, nothing under CI. */
  finish(message?: string): void;
  /** Ends the bar without a summary (e.g. on error): clears the terminal line. */
  stop(): void;
  /**
   * Prints a line of output (to `out`, default stdout) without tearing the bar: on a terminal
   * the bar's line is cleared first and redrawn after.
   */
  log(message: string, out?: ProgressStream): void;
}

/** CI=true means quiet; so does any other CI value except "", "0" and "false". */
export function isCI(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** Seconds, compact: 0.4s, 12.3s, 2m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => Date.now());
  const minInterval = options.minIntervalMs ?? 80;
  const mode: ProgressMode = isCI(options.env ?? process.env) ? "silent" : stream.isTTY ? "tty" : "plain";
  const unit = options.unit ? ` ${options.unit}` : "";
  const started = now();
  let total = options.total;
  let done = 0;
  let lastDraw = -Infinity;
  let ended = false;
  let drawn = false;

  function line(): string {
    const elapsed = now() - started;
    const time = formatDuration(elapsed);
    if (total === undefined || total <= 0) return `${options.label}  ${int(done)}${unit}  ${time}`;
    const frac = Math.max(0, Math.min(1, done / total));
    const eta = done > 0 && frac < 1 ? `  eta ${formatDuration((elapsed / done) * (total - done))}` : "";
    const tail = `  ${String(Math.floor(frac * 100)).padStart(3)}%  ${int(done)}/${int(total)}${unit}  ${time}${eta}`;
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
    const width = Math.max(10, Math.min(30, columns - options.label.length - tail.length - 6));
    const full = Math.round(frac * width);
    return `${options.label}  [${"█".repeat(full)}${"░".repeat(width - full)}]${tail}`;
  }

  function draw(force: boolean) {
    if (mode !== "tty" || ended) return;
    const t = now();
    if (!force && t - lastDraw < minInterval) return;
    lastDraw = t;
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
    stream.write(`\r\x1b[2K${line().slice(0, columns - 1)}`);
    drawn = true;
  }

  return {
    mode,
    get done() {
      return done;
    },
    tick(n = 1) {
      if (ended) return;
      done += n;
      draw(false);
    },
    update(value: number, newTotal?: number) {
      if (ended) return;
      done = value;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    finish(message?: string) {
      if (ended) return;
      if (mode === "tty") {
        draw(true);
        stream.write(message ? `\r\x1b[2K${message}\n` : "\n");
      } else if (mode === "plain") {
        const of = total !== undefined && total !== done ? `/${int(total)}` : "";
        stream.write(`${message ?? `${options.label}: ${int(done)}${of}${unit}`} (${formatDuration(now() - started)})\n`);
      }
      ended = true;
    },
    stop() {
      if (ended) return;
      if (mode === "tty" && drawn) stream.write("\r\x1b[2K");
      ended = true;
    },
    log(message: string, out: ProgressStream = process.stdout) {
      if (mode === "tty" && drawn && !ended) stream.write("\r\x1b[2K");
      out.write(`${message}\n`);
      if (drawn) draw(true);
    },
  };
}
