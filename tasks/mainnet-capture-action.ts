import { resolve } from "node:path";
import { createProgress, isCI } from "../src/report/progress.js";
import { captureRange, redactUrl } from "../src/replay/index.js";

interface Args {
  rpc: string;
  from: number;
  to: number;
  out: string;
  retries: number;
  backoffMs: number;
}

export default async function mainnetCapture(args: Args): Promise<void> {
  const rpc = args.rpc || process.env.MAINNET_RPC_URL || "";
  if (rpc === "") throw new Error("give --rpc URL (or set MAINNET_RPC_URL): a node serving the debug API");
  if (args.from < 0 || args.to < 0) throw new Error("give --from N and --to M (inclusive block range)");
  if (args.out === "") throw new Error("give --out FILE (.json or .json.gz)");
  if (args.retries < 1 || args.backoffMs < 0) throw new Error("give --retries N >= 1 and --backoff-ms MS >= 0");
  const out = resolve(process.cwd(), args.out);
  const bar = createProgress({ label: "capture", total: args.to - args.from + 1, unit: "blocks" });
  const result = await captureRange({
    rpc,
    from: args.from,
    to: args.to,
    out,
    retries: args.retries,
    backoffMs: args.backoffMs,
    onProgress: (p) => bar.update(p.done, p.total),
    onRetry: (r) => {
      if (!isCI()) process.stderr.write(`\nretry ${r.attempt} in ${r.delayMs} ms: ${r.error}\n`);
    },
  }).catch((e) => {
    bar.stop();
    throw e;
  });
  bar.finish();
  console.log(
    `captured ${result.blocks} block(s), ${result.txs} txs from ${redactUrl(rpc)}${result.resumed ? ` (${result.resumed} resumed from partial files)` : ""}; wrote ${out}`,
  );
}
