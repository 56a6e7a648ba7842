import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "convert"])
  .setDescription(
    "Convert access sets between JSON (.json, .json.gz) and a partitioned Parquet tree (a directory, or a name ending in .parquet)",
  )
  .addPositionalArgument({ name: "input", description: "Access-set file (.json, .json.gz) or Parquet tree" })
  .addPositionalArgument({ name: "output", description: "Output: a .json / .json.gz file, or a Parquet tree (name ending in .parquet)" })
  .addOption({
    name: "partitionBlocks",
    description: "Blocks per partition of a Parquet tree",
    type: ArgumentType.INT,
    defaultValue: 10_000,
  })
  .setAction(() => import("./conflicts-convert-action.js"))
  .build();
