import { resolve } from "node:path";
import { captureRange, redactUrl } from "../src/replay/index.js";

interface Args {
  rpc: string;
  from: number;
  to: number;
  out: string;
}

/** A one-line progress bar on stderr; silent when CI=true or stderr is not a terminal. */
function progressBar() {
  const quiet = process.env.CI === "true" || !process.stderr.isTTY;
  const t0 = Date.now();
  return {
    update(done: number, total: number, block: number, txs: number) {
      if (quiet) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const rate = done / Math.max((Date.now() - t0) / 1000, 0.001);
      const eta = Math.round((total - done) / rate);
      process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} blocks (at ${block}), ${txs} txs, ETA ${eta}s `);
    },
    end() {
      if (!quiet) process.stderr.write("\n");
    },
  };
}

export default async function mainnetCapture(args: Args): Promise<void> {
  const rpc = args.rpc || process.env.MAINNET_RPC_URL || "";
  if (rpc === "") throw new Error("give --rpc URL (or set MAINNET_RPC_URL): a node serving the debug API");
  if (args.from < 0 || args.to < 0) throw new Error("give --from N and --to M (inclusive block range)");
  if (args.out === "") throw new Error("give --out FILE (.json or .json.gz)");
  const out = resolve(process.cwd(), args.out);
  const bar = progressBar();
  const result = await captureRange({
    rpc,
    from: args.from,
    to: args.to,
    out,
    onProgress: (p) => bar.update(p.done, p.total, p.block, p.txs),
    onRetry: (r) => {
      if (process.env.CI !== "true") process.stderr.write(`\nretry ${r.attempt} in ${r.delayMs} ms: ${r.error}\n`);
    },
  });
  bar.end();
  console.log(
    `captured ${result.blocks} block(s), ${result.txs} txs from ${redactUrl(rpc)}${result.resumed ? ` (${result.resumed} resumed from partial files)` : ""}; wrote ${out}`,
  );
}
