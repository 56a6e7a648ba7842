import { asUserErrors } from "./user-error.js";
import { UsageError } from "../src/errors.js";
import { loadAccessSetFile, saveAccessSetFile } from "../src/access/index.js";
import { isColumnarPath, saveColumnar } from "../src/columnar/index.js";

interface Args {
  input: string;
  output: string;
  partitionBlocks: number;
}

async function convertBody(args: Args): Promise<void> {
  if (!Number.isInteger(args.partitionBlocks) || args.partitionBlocks < 1) {
    throw new UsageError(`--partition-blocks must be a positive integer (got ${args.partitionBlocks})`);
  }
  const t0 = performance.now();
  const file = await loadAccessSetFile(args.input);
  const txs = file.blocks.reduce((n, b) => n + b.txs.length, 0);
  if (await isColumnarPath(args.output)) {
    const meta = await saveColumnar(args.output, file, { partitionBlocks: args.partitionBlocks });
    console.log(
      `wrote ${args.output}: ${file.blocks.length} blocks, ${txs} txs in ${meta.partitions.length} partitions (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  } else {
    await saveAccessSetFile(args.output, file);
    console.log(`wrote ${args.output}: ${file.blocks.length} blocks, ${txs} txs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

export default async function conflictsConvert(args: Args): Promise<void> {
  await asUserErrors("conflicts convert", () => convertBody(args));
}
