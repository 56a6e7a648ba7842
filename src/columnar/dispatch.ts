/**
 * The one hook between the access-set loader/saver (src/access/io.ts) and the columnar format:
 * a path that is a directory or ends in `.parquet` is a Parquet tree. The engine is imported
 * only when such a path is used, so JSON users never load DuckDB.
 */
import type { AccessSetFile } from "../access/format.js";
import { isColumnarPath } from "./layout.js";

/** Loads `file` if it is a columnar tree; undefined when it is not (the caller reads JSON). */
export async function loadIfColumnar(file: string): Promise<AccessSetFile | undefined> {
  if (!(await isColumnarPath(file))) return undefined;
  const { loadColumnar } = await import("./read.js");
  return loadColumnar(file);
}

/** Saves `data` as a columnar tree if `file` asks for one; false when it does not (the caller writes JSON). */
export async function saveIfColumnar(file: string, data: AccessSetFile): Promise<boolean> {
  if (!(await isColumnarPath(file))) return false;
  const { saveColumnar } = await import("./write.js");
  await saveColumnar(file, data);
  return true;
}
