import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "study"])
  .setDescription(
    "Cross-block SQL studies over a Parquet access-set tree: hot contracts, variables, function pairs, conflict rates, chains, trends",
  )
  .addPositionalArgument({ name: "tree", description: "Parquet tree (written by `conflicts convert IN OUT.parquet` or a producer)" })
  .addOption({ name: "from", description: "First block (default: the first)", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "to", description: "Last block (default: the last)", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({
    name: "contract",
    description: "Contract address for the serialized-share query (default: the top contracts)",
    defaultValue: "",
  })
  .addOption({ name: "sql", description: "Extra SQL files to run, comma-separated (each ends in one SELECT)", defaultValue: "" })
  .addFlag({ name: "noBuiltin", description: "Run only the --sql files (and the chain pass)" })
  .addFlag({ name: "noChains", description: "Skip the per-block chain pass" })
  .addFlag({ name: "materializeDeps", description: "Compute the shared deps view once into a temporary table (memory or spill)" })
  .addOption({ name: "md", description: "Write the results as Markdown to this file", defaultValue: "" })
  .addOption({ name: "json", description: "Write the results as JSON to this file", defaultValue: "" })
  .addOption({ name: "html", description: "Write the results as one HTML page to this file", defaultValue: "" })
  .addOption({ name: "memory", description: "DuckDB memory limit (it spills to disk past it)", defaultValue: "2GB" })
  .addFlag({ name: "quiet", description: "Do not print the Markdown to the terminal" })
  .setAction(() => import("./conflicts-study-action.js"))
  .build();
