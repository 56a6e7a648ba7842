/**
 * Public API of the conflict engine: capture sources, slot decoding, the conflict graph,
 * its analysis and rendering, and the declared-vs-observed check. No Hardhat import.
 */
export {
  buildConflictGraph,
  compactAccessSets,
  CompactBuilder,
  txFunctionLabel,
  EDGE_RAW,
  EDGE_WW,
  EDGE_WAR,
  type ConflictGraph,
  type CompactAccessSets,
  type GraphOptions,
  type TxNode,
  type KeyStats,
  type EdgeKinds,
} from "./graph.js";
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
export { captureFile, withNames, type AccessSource } from "../capture/source.js";
export { txAccessFromPrestate, type Prestate, type PrestateDiff, type ObservedAccess } from "../capture/prestate.js";
export {
  WorkloadSource,
  fetchDeclared,
  type Eip1193,
  type TxRequest,
  type WorkloadCaptureOptions,
} from "../capture/rpc.js";
export { BalSource, BalFormatError, parseBal, balToBlock, type BalOptions } from "../capture/bal.js";
export {
  ContractBook,
  loadBuildInfoContracts,
  matchRuntimeCode,
  stripMetadata,
  applyAddressBook,
  type ArtifactContract,
} from "../decode/artifacts.js";
export {
  LayoutDecoder,
  preimagesFromStructLogs,
  type Preimages,
  type StorageLayout,
  type StorageType,
  type StorageVar,
} from "../decode/layout.js";
export { potentialConflicts, type PotentialResult, type PotentialCell, type PotentialKey, type PotentialOptions } from "./potential.js";
export { adviseOn, REMEDIES, type Advice, type Pattern, type Remedy } from "./advice.js";
export { potentialReport, potentialJson, renderPotentialText, renderPotentialMarkdown, type PotentialReport } from "./potential-render.js";
