import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import { OUT_OPTION, RETRY_OPTIONS } from "./options.js";

/** `npx hardhat mainnet capture N M --rpc URL --out FILE`: access sets from a node's debug API (also `conflicts capture node`). */
export const mainnetCaptureTask = task(["mainnet", "capture"])
  .setDescription("Capture per-tx access sets of blocks from a node with the debug API (prestateTracer), resumable")
  .addOption({ name: "rpc", description: "JSON-RPC URL of a node serving debug_traceBlockByNumber", defaultValue: "" })
  .addPositionalArgument({ name: "from", description: "First block", type: ArgumentType.INT })
  .addPositionalArgument({ name: "to", description: "Last block (inclusive)", type: ArgumentType.INT })
  .addOption(OUT_OPTION)
  .addOption(RETRY_OPTIONS[0])
  .addOption(RETRY_OPTIONS[1])
  .setAction(() => import("./mainnet-capture-action.js"))
  .build();
