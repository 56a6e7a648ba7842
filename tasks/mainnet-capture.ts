import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

/** `npx hardhat mainnet capture N M --rpc URL --out FILE`: access sets from a node's debug API (also `conflicts capture node`). */
export const mainnetCaptureTask = task(["mainnet", "capture"])
  .setDescription("Capture per-tx access sets of blocks from a node with the debug API (prestateTracer), resumable")
  .addOption({ name: "rpc", description: "JSON-RPC URL of a node serving debug_traceBlockByNumber", defaultValue: "" })
  .addPositionalArgument({ name: "from", description: "First block", type: ArgumentType.INT })
  .addPositionalArgument({ name: "to", description: "Last block (inclusive)", type: ArgumentType.INT })
  .addOption({ name: "out", description: "Access-set file to write (.json or .json.gz)", defaultValue: "access-sets.json" })
  .addOption({
    name: "retries",
    description: "Attempts per request on dropped connections, HTTP 429 and 5xx",
    type: ArgumentType.INT,
    defaultValue: 5,
  })
  .addOption({
    name: "backoffMs",
    description: "First wait before a retry, in ms (doubles each time)",
    type: ArgumentType.INT,
    defaultValue: 500,
  })
  .setAction(() => import("./mainnet-capture-action.js"))
  .build();
