import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "analyze"])
  .setDescription("Analyze an access-set file: dependency graph, conflict rate, chains, hot slots, function matrix")
  .addPositionalArgument({ name: "file", description: "Access-set file (.json or .json.gz) or Parquet tree" })
  .addOption({ name: "json", description: "Write the full result as JSON to this file", defaultValue: "" })
  .addOption({ name: "md", description: "Write a Markdown report to this file", defaultValue: "" })
  .addOption({ name: "top", description: "Hot slots to list", type: ArgumentType.INT, defaultValue: 20 })
  .addFlag({ name: "includeFeeRecipient", description: "Count the fee recipient's balance as a conflict (excluded by default)" })
  .addFlag({ name: "quiet", description: "Do not print the terminal report" })
  .addFlag({ name: "noPotential", description: "Skip the potential conflicts across senders and the advice (shown when the file holds more than one block)" })
  .setAction(() => import("./conflicts-analyze-action.js"))
  .build();
