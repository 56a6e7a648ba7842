import { task } from "hardhat/config";

/** `npx hardhat suite deploy --network NAME [--parameters FILE]`: deploys the suite with Ignition, resumably. */
export const suiteDeployTask = task(
  ["suite", "deploy"],
  "Deploy the DEX, lending market and vault with Ignition (resumable) and record the addresses",
)
  .addOption({ name: "parameters", description: "Parameters file (default: deploy/parameters/<network>.json)", defaultValue: "" })
  .addOption({
    name: "deploymentId",
    description: "Ignition deployment id (default: disjoint-suite-<chainId>); its journal makes reruns resume",
    defaultValue: "",
  })
  .addOption({ name: "out", description: "Directory of the address records, one <chainId>.json per chain", defaultValue: "deployments" })
  .addOption({ name: "rpcUrl", description: "Override the network's RPC URL (http networks only)", defaultValue: "" })
  .setAction(() => import("./suite-deploy-action.js"))
  .build();
