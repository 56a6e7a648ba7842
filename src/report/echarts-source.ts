/**
 * Reads the echarts browser bundle from node_modules so the report can inline it: the HTML
 * file then opens offline, with no CDN and no fetch.
 */
import { InputError } from "../errors.js";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cached: string | undefined;

/** The minified echarts UMD bundle (about 1.1 MB), read once per process. */
export function loadEchartsSource(): string {
  if (cached === undefined) {
    let file: string;
    try {
      file = require.resolve("echarts/dist/echarts.min.js");
    } catch (e) {
      throw new InputError(
        `cannot find echarts (needed to draw the report's charts): ${(e as Error).message}; run \`npm ci\` in the project`,
      );
    }
    cached = readFileSync(file, "utf8");
  }
  return cached;
}
