/** Public API of the access-set format: schema, types, loading and saving, declared lists. */
export * from "./format.js";
export {
  AccessSetFormatError,
  parseAccessSetFile,
  loadAccessSetFile,
  saveAccessSetFile,
  writeFileAtomic,
  STREAMING_THRESHOLD_BYTES,
} from "./io.js";
export {
  AccessSetStreamParser,
  accessSetFileText,
  loadAccessSetFileStreaming,
  parseAccessSetStream,
  readTextChunks,
  saveAccessSetFileStreaming,
} from "./stream.js";
export { ANY_SLOT, MODE_READ, MODE_WRITE, MODE_SNAPSHOT, toDeclaredAccess, toEip2930, type DeclaredEntry } from "./declared.js";
