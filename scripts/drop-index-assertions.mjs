// Removes the non-null assertions on index accesses (`xs[i]!` -> `xs[i]`) from the project's
// TypeScript, for a tree compiled without `noUncheckedIndexedAccess` (where an index access is
// already typed as the element type, so the assertion says nothing). The TypeScript compiler
// finds them, so `!=`/`!==` comparisons, strings, comments and regular expressions are never
// touched; other non-null assertions (`f()!`, `x!.y`) are kept, and so is an index assertion whose
// element type itself admits undefined (`partial[k]!` on a Partial<Record<…>>), which still
// narrows. Run it with the flag off in tsconfig.json (it reads the project's compiler options).
//
//   node scripts/drop-index-assertions.mjs [--check]
//
// It edits every git-tracked .ts file of tsconfig.json outside typechain-types/ and fixtures;
// --check only counts and exits 1 when any is left.
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const check = process.argv.includes("--check");
const files = execFileSync("git", ["ls-files", "-z", "--", "*.ts"], { encoding: "utf8" })
  .split("\0")
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("typechain-types/") && !f.includes("fixtures/"));

const config = ts.getParsedCommandLineOfConfigFile(
  "tsconfig.json",
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => console.error(d.messageText) },
);
if (!config) process.exit(2);
if (config.options.noUncheckedIndexedAccess) {
  console.error("drop-index-assertions: turn noUncheckedIndexedAccess off in tsconfig.json first");
  process.exit(2);
}
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const checker = program.getTypeChecker();
const admitsUndefined = (node) => {
  const type = checker.getTypeAtLocation(node);
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown));
};

let total = 0;
let changed = 0;
for (const file of files) {
  const source = program.getSourceFile(path.resolve(file));
  if (!source) continue; // not part of the project
  const text = source.text;
  if (text !== readFileSync(file, "utf8")) throw new Error(`${file}: changed while reading`);
  const bangs = []; // offsets of the `!` to drop
  const visit = (node) => {
    if (ts.isNonNullExpression(node) && ts.isElementAccessExpression(node.expression) && !admitsUndefined(node.expression))
      bangs.push(node.end - 1);
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!bangs.length) continue;
  total += bangs.length;
  changed++;
  if (check) continue;
  let out = "";
  let from = 0;
  for (const at of bangs.sort((a, b) => a - b)) {
    if (text[at] !== "!") throw new Error(`${file}: expected "!" at offset ${at}`);
    out += text.slice(from, at);
    from = at + 1;
  }
  out += text.slice(from);
  writeFileSync(`${file}.tmp`, out);
  renameSync(`${file}.tmp`, file);
}
console.log(`${check ? "found" : "dropped"} ${total} index assertion(s) in ${changed} file(s)`);
if (check && total > 0) process.exit(1);
