/**
 * The one hook between the access-set loader/saver (io.ts) and the columnar format
 * (src/columnar): a path that is a directory or ends in `.parquet` is a Parquet tree.
 * src/columnar is imported lazily, only when the hook runs: JSON users never load DuckDB, and
 * the access layer has no static import of the columnar layer built on it.
 */
import type { AccessSetFile } from "./format.js";

/** Loads `file` if it is a columnar tree; undefined when it is not (the caller reads JSON). */
export async function loadIfColumnar(file: string): Promise<AccessSetFile | undefined> {
  const { isColumnarPath } = await import("../columnar/layout.js");
  if (!(await isColumnarPath(file))) return undefined;
  const { loadColumnar } = await import("../columnar/read.js");
  return loadColumnar(file);
}

/** Saves `data` as a columnar tree if `file` asks for one; false when it does not (the caller writes JSON). */
export async function saveIfColumnar(file: string, data: AccessSetFile): Promise<boolean> {
  const { isColumnarPath } = await import("../columnar/layout.js");
  if (!(await isColumnarPath(file))) return false;
  const { saveColumnar } = await import("../columnar/write.js");
  await saveColumnar(file, data);
  return true;
}
