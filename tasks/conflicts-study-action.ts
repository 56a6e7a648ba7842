import { asUserErrors } from "./user-error.js";
import { UsageError } from "../src/errors.js";
import { writeFileAtomic } from "../src/access/index.js";
import { runStudy, studyHtml, studyMarkdown } from "../src/columnar/index.js";

interface Args {
  tree: string;
  from: number;
  to: number;
  contract: string;
  sql: string;
  noBuiltin: boolean;
  noChains: boolean;
  materializeDeps: boolean;
  md: string;
  json: string;
  html: string;
  memory: string;
  quiet: boolean;
}

async function studyBody(args: Args): Promise<void> {
  if (args.from >= 0 && args.to >= 0 && args.to < args.from) throw new UsageError(`--to ${args.to} is before --from ${args.from}`);
  const result = await runStudy(args.tree, {
    from: args.from >= 0 ? args.from : undefined,
    to: args.to >= 0 ? args.to : undefined,
    contract: args.contract,
    sql: args.sql
      ? args.sql
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    noBuiltin: args.noBuiltin,
    noChains: args.noChains,
    materializeDeps: args.materializeDeps,
    memoryLimit: args.memory,
  });
  const md = studyMarkdown(result);
  if (!args.quiet) console.log(md);
  for (const [out, text] of [
    [args.md, md],
    [args.json, JSON.stringify(result, null, 2) + "\n"],
    [args.html, studyHtml(result)],
  ] as const) {
    if (!out) continue;
    await writeFileAtomic(out, text);
    console.log(`wrote ${out}`);
  }
}

export default async function conflictsStudy(args: Args): Promise<void> {
  await asUserErrors("conflicts study", () => studyBody(args));
}
