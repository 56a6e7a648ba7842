import { asUserErrors } from "./user-error.js";
import { loadAccessSetFile, writeFileAtomic } from "../src/access/index.js";
import { dependencyFromFlags } from "../src/model/dependency.js";
import { analyze, renderMarkdown, renderText } from "../src/conflicts/index.js";

interface Args {
  file: string;
  json: string;
  md: string;
  top: number;
  includeFeeRecipient: boolean;
  credits: string;
  cost: string;
  quiet: boolean;
}

async function conflictsAnalyzeBody(args: Args): Promise<void> {
  const file = await loadAccessSetFile(args.file);
  const { result } = analyze(file, { ...dependencyFromFlags(args), cost: args.cost, topSlots: args.top });
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
  await asUserErrors("conflicts analyze", () => conflictsAnalyzeBody(args));
}
