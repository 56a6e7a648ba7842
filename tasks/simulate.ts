import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import { COST_HELP } from "../src/model/cost.js";
import { SCHEDULER_TABLE } from "../src/schedule/schedulers.js";
import { DEPENDENCY_FLAGS } from "../src/model/dependency.js";

/** `npx hardhat conflicts simulate FILE`: predicted makespans and speedups per scheduler and thread count. */
export const simulateTask = task(
  ["conflicts", "simulate"],
  "Simulate serial, dag-limit, Block-STM and declared-lock schedulers on an access-set file",
)
  .addPositionalArgument({ name: "file", description: "Access-set file (.json or .json.gz)" })
  .addOption({ name: "threads", description: "Comma-separated thread counts", defaultValue: "1,2,4,8,16,32" })
  .addOption({
    name: "scheduler",
    description: `Comma-separated schedulers: ${SCHEDULER_TABLE.map((s) => `${s.name} (${s.help})`).join("; ")}`,
    defaultValue: SCHEDULER_TABLE.map((s) => s.name).join(","),
  })
  .addOption({ name: "cost", description: COST_HELP, defaultValue: "auto" })
  .addOption({
    name: "validationCost",
    description: "Block-STM validation cost as a fraction of the tx's cost",
    type: ArgumentType.FLOAT,
    defaultValue: 0.05,
  })
  .addOption({
    name: "suspendCost",
    description: "Block-STM time before an execution that read an ESTIMATE is suspended, as a fraction of the tx's cost",
    type: ArgumentType.FLOAT,
    defaultValue: 0.05,
  })
  .addOption({ name: "json", description: "Write the full report as JSON to this file", defaultValue: "" })
  .addOption({ name: "md", description: "Write the report as Markdown to this file", defaultValue: "" })
  .addOption({
    name: "blocks",
    description: "Blocks shown in the terminal (all go to --json/--md)",
    type: ArgumentType.INT,
    defaultValue: 5,
  })
  .addOption({
    name: "engine",
    description:
      'Calibrated engine profile for the predicted speedup: pevm-graviton3-c12 (default), pevm-i9-12900k-c8, or "none" (idealized upper bounds only)',
    defaultValue: "pevm-graviton3-c12",
  })
  .addFlag({ name: "includeFeeRecipient", description: DEPENDENCY_FLAGS.includeFeeRecipient })
  .addOption({ name: "credits", description: DEPENDENCY_FLAGS.credits, defaultValue: "read-modify-write" })
  .setAction(() => import("./simulate-action.js"))
  .build();
