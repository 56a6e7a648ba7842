/** Public API of the columnar (Parquet) access-set format and the SQL studies over it. */
export * from "./layout.js";
export { openEngine, sqlString, forEachChunk, EngineMissingError, type Engine, type EngineOptions } from "./engine.js";
export { ColumnarWriter, saveColumnar, type ColumnarHeader, type WriterOptions } from "./write.js";
export { readTreeMeta, streamColumnarBlocks, loadColumnar, type ReadRange } from "./read.js";
export { loadColumnarCompact } from "./compact.js";
export {
  runStudy,
  blockChains,
  studyMarkdown,
  studyHtml,
  QUERIES_DIR,
  type StudyOptions,
  type StudyResult,
  type StudySection,
} from "./study.js";
