/**
 * The schedule engine: predicts how fast a block runs on N threads under serial, the
 * read-after-write DAG limit, Block-STM and declared-access-list locks. No Hardhat import.
 * Models and assumptions: docs/schedulers.md.
 */
export {
  prepareBlock,
  syntheticBlock,
  LOCK_READ,
  LOCK_WRITE,
  LOCK_SNAPSHOT,
  type PreparedBlock,
  type BlockForm,
  type PreparedTx,
  type PrepareOptions,
  type SyntheticTx,
  type UnderDeclaration,
} from "./block.js";
export { simulateBlockStm, type BlockStmInput, type BlockStmOptions } from "./blockstm.js";
export { simulateSerial, simulateDag, simulateDagMany, simulateLocks, analyzeDag, lockDag, type DagAnalysis } from "./simple.js";
export { rawDag, serialVersions, criticalPath, listSchedule, type Dag, type ListSchedule } from "./graph.js";
export { checkSerialEquivalence, checkScheduleShape, type ReadMismatch } from "./check.js";
export {
  simulateFile,
  simulateBlock,
  simulatePrepared,
  simulatePreparedBlocks,
  aggregate,
  type SimulateOptions,
  type CorpusReport,
  type BlockReport,
  type Row,
} from "./simulate.js";
export { renderText, renderMarkdown, table, markdownTable } from "./report.js";
export { SCHEDULER_TABLE, schedulerSpec, type SchedulerSpec } from "./schedulers.js";
export { type SchedulerName, type SimulationResult, type TimelineEntry, type BlockStmStats, type CommonOptions } from "./types.js";
export { defiMixBlock, p2pBlock, syntheticFile, prng, type DefiMixOptions } from "./synthetic.js";
export {
  loadEngineProfile,
  predictBlock,
  engineBlock,
  predictEngineBlock,
  predictEngineSweep,
  blockFacts,
  inferFacts,
  factsFromFile,
  blockFactsLookup,
  txFeatures,
  ENGINE_PROFILES,
  DEFAULT_ENGINE,
  type EngineProfile,
  type EnginePrediction,
  type BlockFacts,
} from "./cost-model.js";
export { relaxForEngine, type LazyRules, type RelaxedBlock } from "./engine-relax.js";
