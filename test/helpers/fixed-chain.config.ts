/**
 * A Hardhat config for `hardhat node` children of the tests that must rebuild the SAME chain
 * after a restart (test/fork/fork-capture-node.ts): a fixed genesis date, so that the genesis block,
 * and every block mined on it with fixed timestamps and the same transactions, hash the same.
 */
import { defineConfig } from "hardhat/config";

export default defineConfig({
  // `hardhat node` watches <artifacts>/build-info: the project's own, not a new folder here.
  paths: { artifacts: "../../artifacts", cache: "../../cache" },
  networks: {
    node: { type: "edr-simulated", chainType: "l1", hardfork: "cancun", initialDate: "2026-01-01T00:00:00Z" },
  },
});
