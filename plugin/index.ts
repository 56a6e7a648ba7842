/**
 * disjoint as a Hardhat 3 plugin: `import disjoint from "disjoint/plugin"` and
 * `plugins: [disjoint]` in a project's hardhat.config.ts registers every task of this package
 * (`conflicts capture|analyze|check-declared|simulate|report`, `conflicts capture tests`, ...)
 * with lazily loaded actions, plus the network hook that records the transactions a test run
 * mines while `conflicts capture tests` runs it.
 *
 * Nothing here reads this repository's paths: artifacts and build info come from the host's
 * `hre.config.paths`.
 */
import { definePlugin } from "hardhat/plugins";
import type { HardhatPlugin } from "hardhat/types/plugins";
import { tasks } from "../tasks/index.js";

const disjointPlugin: HardhatPlugin = definePlugin({
  id: "disjoint",
  npmPackage: "disjoint",
  // Tasks that open a connection use `connection.ethers` (hardhat-ethers), as Hardhat's own
  // plugins declare what they build on.
  dependencies: () => [import("@nomicfoundation/hardhat-ethers")],
  hookHandlers: {
    network: () => import("./hooks/network.js"),
  },
  tasks,
});

export default disjointPlugin;
