import { asUserErrors } from "./user-error.js";
import { loadAccessSetFile, writeFileAtomic } from "../src/access/index.js";
import { dependencyFromFlags } from "../src/model/dependency.js";
import {
  analyze,
  potentialJson,
  potentialReport,
  renderMarkdown,
  renderPotentialMarkdown,
  renderPotentialText,
  renderText,
} from "../src/conflicts/index.js";
import { isColumnarPath, loadColumnarCompact } from "../src/columnar/index.js";

interface Args {
  file: string;
  json: string;
  md: string;
  top: number;
  includeFeeRecipient: boolean;
  credits: string;
  cost: string;
  quiet: boolean;
  noPotential: boolean;
}

async function conflictsAnalyzeBody(args: Args): Promise<void> {
  // A Parquet tree goes straight to the graph's compact form (no per-access objects).
  // The potential report needs the object form, so it is not computed for Parquet input.
  const columnar = await isColumnarPath(args.file);
  const file = columnar ? await loadColumnarCompact(args.file) : await loadAccessSetFile(args.file);
  const { result } = analyze(file, { ...dependencyFromFlags(args), cost: args.cost, topSlots: args.top });
  // Many blocks (a test run mines one transaction a block): also what would conflict across senders in one block.
  const potential =
    !args.noPotential && !("compact" in file) && file.blocks.length > 1
      ? potentialReport(file, { includeFeeRecipient: args.includeFeeRecipient })
      : undefined;
  if (columnar && !args.noPotential && !args.quiet)
    console.log("(potential cross-sender conflicts are not computed for a Parquet tree; convert it to JSON for them)");
  if (!args.quiet) console.log(renderText(result) + (potential ? "\n\n" + renderPotentialText(potential) : ""));
  if (args.json) {
    await writeFileAtomic(args.json, JSON.stringify(potential ? { ...result, ...potentialJson(potential) } : result, null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
  if (args.md) {
    await writeFileAtomic(args.md, renderMarkdown(result) + (potential ? "\n" + renderPotentialMarkdown(potential) : ""));
    console.log(`wrote ${args.md}`);
  }
}

export default async function conflictsAnalyze(args: Args): Promise<void> {
  await asUserErrors("conflicts analyze", () => conflictsAnalyzeBody(args));
}
