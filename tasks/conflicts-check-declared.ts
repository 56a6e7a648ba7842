import { task } from "hardhat/config";

export default task(["conflicts", "check-declared"])
  .setDescription("Check every observed storage access against the transaction's declared access list")
  .addPositionalArgument({ name: "file", description: "Access-set file (.json or .json.gz) with `declared` lists" })
  .addOption({ name: "json", description: "Write the full check as JSON to this file", defaultValue: "" })
  .setAction(() => import("./conflicts-check-declared-action.js"))
  .build();
