/**
 * Every task of disjoint, registered in hardhat.config.ts. Each definition lives in its own
 * file under tasks/ with a lazily imported action, so `npx hardhat --help` stays fast.
 */
import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import conflictsAnalyze from "./conflicts-analyze.js";
import { captureTasks } from "./conflicts-capture.js";
import conflictsCaptureTests from "./conflicts-capture-tests.js";
import conflictsCheckDeclared from "./conflicts-check-declared.js";
import conflictsConvert from "./conflicts-convert.js";
import conflictsStudy from "./conflicts-study.js";
import { demoTask } from "./demo.js";
import { forkServeTasks } from "./fork-serve.js";
import conflictsReport from "./report.js";
import { mainnetCaptureTask } from "./mainnet-capture.js";
import { mainnetReplayTask } from "./mainnet-replay.js";
import { simulateTask } from "./simulate.js";
import { suiteDeployTask } from "./suite-deploy.js";

const conflicts = emptyTask("conflicts", "Capture access sets, analyze storage conflicts, simulate parallel schedulers").build();
const suite = emptyTask("suite", "Deploy the disjoint suite (DEX, lending market, vault) with Ignition").build();
const mainnet = emptyTask("mainnet", "Replay and capture real mainnet blocks: per-transaction access sets").build();

// Task files add themselves here, one import and one entry each.
export const tasks: TaskDefinition[] = [
  demoTask,
  conflicts,
  ...captureTasks,
  conflictsCaptureTests,
  conflictsAnalyze,
  conflictsCheckDeclared,
  conflictsConvert,
  conflictsStudy,
  simulateTask,
  conflictsReport,
  mainnet,
  mainnetReplayTask,
  mainnetCaptureTask,
  suite,
  suiteDeployTask,
  ...forkServeTasks,
];
