import { asUserErrors } from "./user-error.js";
import { loadAccessSetFile, writeFileAtomic } from "../src/access/index.js";
import { analyze, renderMarkdown, renderText } from "../src/conflicts/index.js";
import { isColumnarPath, loadColumnarCompact } from "../src/columnar/index.js";

interface Args {
  file: string;
  json: string;
  md: string;
  top: number;
  includeFeeRecipient: boolean;
  quiet: boolean;
}

async function conflictsAnalyzeBody(args: Args): Promise<void> {
  // A Parquet tree goes straight to the graph's compact form (no per-access objects).
  const file = (await isColumnarPath(args.file)) ? await loadColumnarCompact(args.file) : await loadAccessSetFile(args.file);
  const { result } = analyze(file, { includeFeeRecipient: args.includeFeeRecipient, topSlots: args.top });
  if (!args.quiet) console.log(renderText(result));
  if (args.json) {
    await writeFileAtomic(args.json, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
  if (args.md) {
    await writeFileAtomic(args.md, renderMarkdown(result));
    console.log(`wrote ${args.md}`);
  }
}

export default async function conflictsAnalyze(args: Args): Promise<void> {
  await asUserErrors(() => conflictsAnalyzeBody(args));
}
