import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

/** The main job: both designs on the mixed workload, in-process, compared. */
export const demoTask = task("demo", "Run the mixed workload on disjoint and on the incumbents, and compare parallelism and gas")
  .addOption({ name: "txs", description: "Transactions in the block", type: ArgumentType.INT, defaultValue: 1000 })
  .addOption({ name: "seed", description: "Workload seed", type: ArgumentType.INT, defaultValue: 1 })
  .addOption({
    name: "workload",
    description: "dex, lending, vault, mix, or dex-batch (single-hop swaps on the batch pool, the shard pools and Uniswap V2)",
    defaultValue: "mix",
  })
  .addOption({ name: "out", description: "Folder for the reports", defaultValue: "reports" })
  .setAction(() => import("./demo-action.js"))
  .build();
