/** Loading and saving access-set files: validated on load, written atomically. */
import { InputError } from "../errors.js";
import { readFile, rename, stat, writeFile, unlink } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { loadAccessSetFileStreaming, saveAccessSetFileStreaming } from "./stream.js";
import { AccessSetFile, FORMAT_NAME, FORMAT_VERSION } from "./format.js";
import { AccessSetFormatError } from "./errors.js";
import { loadIfColumnar, saveIfColumnar } from "./columnar-hook.js";

export { AccessSetFormatError } from "./errors.js";

/** Validates parsed JSON as an access-set file. */
export function parseAccessSetFile(json: unknown, file = "<input>"): AccessSetFile {
  if (typeof json === "object" && json !== null && "version" in json && "format" in json) {
    const { format, version } = json as { format: unknown; version: unknown };
    if (format === FORMAT_NAME && version !== FORMAT_VERSION) {
      throw new AccessSetFormatError(file, [
        {
          path: "version",
          message: `version ${String(version)} is not supported; this build reads version ${FORMAT_VERSION} (re-capture the file with this version of disjoint)`,
        },
      ]);
    }
  }
  const result = AccessSetFile.safeParse(json);
  if (!result.success) {
    throw new AccessSetFormatError(
      file,
      result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  return result.data;
}

/**
 * Files at least this large on disk are read by streaming (stream.ts): a whole-file
 * JSON.parse needs the text as one string, which V8 caps (about 512 MiB), and the streaming
 * reader shares equal strings. Smaller files are parsed whole, which is faster for them.
 */
export const STREAMING_THRESHOLD_BYTES = 32 * 1024 * 1024;

/** Reads a .json or .json.gz access-set file of any size, or a Parquet tree (docs/access-set-format.md). */
export async function loadAccessSetFile(file: string): Promise<AccessSetFile> {
  const columnar = await loadIfColumnar(file);
  if (columnar) return columnar;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new InputError(`cannot read access-set file ${file}: ${(e as Error).message}`);
  }
  // A gzipped file expands about tenfold.
  if (size * (file.endsWith(".gz") ? 10 : 1) >= STREAMING_THRESHOLD_BYTES) return loadAccessSetFileStreaming(file);
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new InputError(`cannot read access-set file ${file}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  } catch (e) {
    throw new AccessSetFormatError(file, [{ path: "", message: `not valid gzip data (${(e as Error).message})` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AccessSetFormatError(file, [{ path: "", message: `not valid JSON (${(e as Error).message}); is the file truncated?` }]);
  }
  return parseAccessSetFile(json, file);
}

/** Writes text to `file` through a temporary file and a rename, so no partial file is left. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Validates and writes an access-set file (.json, gzipped when the name ends in .gz, or a
 * Parquet tree when it ends in .parquet),
 * streamed one transaction at a time through a temporary file and a rename: no single string
 * of the whole file is built, so files of any size can be written.
 */
export async function saveAccessSetFile(file: string, data: AccessSetFile): Promise<void> {
  if (await saveIfColumnar(file, data)) return;
  await saveAccessSetFileStreaming(file, data);
}
