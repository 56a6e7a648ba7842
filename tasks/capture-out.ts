import { saveAccessSetFile, type AccessSetFile } from "../src/access/index.js";

/** Writes a captured file (atomically, validated) and says what was written. */
export async function writeCapture(out: string, file: AccessSetFile): Promise<void> {
  await saveAccessSetFile(out, file);
  const txs = file.blocks.reduce((n, b) => n + b.txs.length, 0);
  console.log(`wrote ${out}: ${file.blocks.length} block(s), ${txs} transaction(s)`);
}
