import { asUserErrors } from "./user-error.js";
import { loadAccessSetFile, writeFileAtomic } from "../src/access/index.js";
import { checkDeclared, renderDeclarationCheck } from "../src/conflicts/index.js";

async function conflictsCheckDeclaredBody(args: { file: string; json: string }): Promise<void> {
  const file = await loadAccessSetFile(args.file);
  const check = checkDeclared(file);
  console.log(renderDeclarationCheck(check));
  if (args.json) await writeFileAtomic(args.json, JSON.stringify(check, null, 2) + "\n");
  if (!check.ok) {
    console.error(`check-declared: ${check.uncovered.length} under-declared access(es) in ${args.file}`);
    process.exitCode = 1;
  }
}

export default async function conflictsCheckDeclared(args: { file: string; json: string }): Promise<void> {
  await asUserErrors("conflicts check-declared", () => conflictsCheckDeclaredBody(args));
}
