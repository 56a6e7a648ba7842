/** The error of an invalid access-set file, shared by the whole-file and the streaming loaders. */
import { InputError } from "../errors.js";
import { FORMAT_NAME, FORMAT_VERSION } from "./format.js";

/** A file that is not a valid access-set file; the message names file, path and problem. */
export class AccessSetFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    const lines = problems.slice(0, 10).map((p) => `  at ${p.path || "(top level)"}: ${p.message}`);
    const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : "";
    super(`${file} is not a valid ${FORMAT_NAME} v${FORMAT_VERSION} file:\n${lines.join("\n")}${more}`);
  }
}
