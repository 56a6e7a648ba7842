import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import { COST_HELP } from "../src/model/cost.js";
import { DEPENDENCY_FLAGS } from "../src/model/dependency.js";

export default task(["conflicts", "analyze"])
  .setDescription("Analyze an access-set file: dependency graph, conflict rate, chains, hot slots, function matrix")
  .addPositionalArgument({ name: "file", description: "Access-set file (.json or .json.gz) or Parquet tree" })
  .addOption({ name: "json", description: "Write the full result as JSON to this file", defaultValue: "" })
  .addOption({ name: "md", description: "Write a Markdown report to this file", defaultValue: "" })
  .addOption({ name: "top", description: "Hot slots to list", type: ArgumentType.INT, defaultValue: 20 })
  .addFlag({ name: "includeFeeRecipient", description: DEPENDENCY_FLAGS.includeFeeRecipient })
  .addOption({ name: "cost", description: COST_HELP, defaultValue: "auto" })
  .addOption({ name: "credits", description: DEPENDENCY_FLAGS.credits, defaultValue: "read-modify-write" })
  .addFlag({ name: "quiet", description: "Do not print the terminal report" })
  .addFlag({
    name: "noPotential",
    description: "Skip the potential conflicts across senders and the advice (shown when the file holds more than one block)",
  })
  .setAction(() => import("./conflicts-analyze-action.js"))
  .build();
