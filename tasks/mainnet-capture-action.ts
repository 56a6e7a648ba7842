import { asUserErrors } from "./user-error.js";
import { UsageError } from "../src/errors.js";
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

async function mainnetCaptureBody(args: Args): Promise<void> {
  const rpc = args.rpc || process.env.MAINNET_RPC_URL || "";
  if (rpc === "") throw new UsageError("no node given", { hint: "give --rpc URL (or set MAINNET_RPC_URL): a node serving the debug API" });
  if (args.retries < 1 || args.backoffMs < 0)
    throw new UsageError("bad retry settings", { hint: "give --retries N >= 1 and --backoff-ms MS >= 0" });
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

export default async function mainnetCapture(args: Args): Promise<void> {
  await asUserErrors("mainnet capture", () => mainnetCaptureBody(args));
}
