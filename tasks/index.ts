/**
 * Every task of disjoint, registered in hardhat.config.ts. Each definition lives in its own
 * file under tasks/ with a lazily imported action, so `npx hardhat --help` stays fast.
 */
import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { simulateTask } from "./simulate.js";

const conflicts = emptyTask("conflicts", "Capture access sets, analyze storage conflicts, simulate parallel schedulers").build();

// Task files add themselves here, one import and one entry each.
export const tasks: TaskDefinition[] = [conflicts, simulateTask];
