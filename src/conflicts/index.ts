/**
 * Public API of the conflict analysis: the conflict graph, its analysis and rendering, and
 * the declared-vs-observed check. The block form they read (CompactAccessSets) is
 * src/model/block.ts; capture (src/capture) and decoding (src/decode) have their own modules.
 * No Hardhat import.
 */
export { buildConflictGraph, type ConflictGraph, type GraphOptions, type TxNode, type KeyStats } from "./graph.js";
export {
  analyze,
  analyzeGraph,
  variableOf,
  type AnalyzeOptions,
  type AnalysisResult,
  type AnalysisInput,
  type BlockSummary,
  type HotSlot,
  type MatrixCell,
  type TxRef,
} from "./analyze.js";
export { renderText, renderMarkdown, describeCell } from "./render.js";
export {
  checkDeclared,
  renderDeclarationCheck,
  type DeclarationCheck,
  type UncoveredAccess,
  type TxDeclarationReport,
} from "./check-declared.js";
export { potentialConflicts, type PotentialResult, type PotentialCell, type PotentialKey, type PotentialOptions } from "./potential.js";
export { adviseOn, REMEDIES, type Advice, type Pattern, type Remedy } from "./advice.js";
export { potentialReport, potentialJson, renderPotentialText, renderPotentialMarkdown, type PotentialReport } from "./potential-render.js";
