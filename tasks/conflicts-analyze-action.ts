import { asUserErrors } from "./user-error.js";
import { loadAccessSetFile, writeFileAtomic } from "../src/access/index.js";
import { analyze, potentialJson, potentialReport, renderMarkdown, renderPotentialMarkdown, renderPotentialText, renderText } from "../src/conflicts/index.js";

interface Args {
  file: string;
  json: string;
  md: string;
  top: number;
  includeFeeRecipient: boolean;
  quiet: boolean;
  noPotential: boolean;
}

async function conflictsAnalyzeBody(args: Args): Promise<void> {
  const file = await loadAccessSetFile(args.file);
  const { result } = analyze(file, { includeFeeRecipient: args.includeFeeRecipient, topSlots: args.top });
  // Many blocks (a test run mines one transaction a block): also what would conflict across senders in one block.
  const potential = !args.noPotential && file.blocks.length > 1 ? potentialReport(file, { includeFeeRecipient: args.includeFeeRecipient }) : undefined;
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
  await asUserErrors(() => conflictsAnalyzeBody(args));
}
