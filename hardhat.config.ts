import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";
import disjoint from "./plugin/index.js";
import { FORK_ACCOUNT_KEYS, FORK_COINBASE, FORK_SERVE_PORT } from "./src/replay/fork-accounts.js";

// Compilers come from npm's wasm builds so that nothing is downloaded at build time.
const require = createRequire(import.meta.url);
const solcPath = (pkg: string) => require.resolve(`${pkg}/soljson.js`);

// Every contract of the suite is built with one pinned compiler; storageLayout feeds the
// slot decoder of the conflict analyzer.
const SUITE_SOLC = {
  version: "0.8.30",
  path: solcPath("solc"),
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 10_000 },
    outputSelection: { "*": { "*": ["storageLayout"] } },
  },
};

// Offline fork tests run under the fork block's rules (Berlin: no PUSH0, no MCOPY); the one
// helper they place on the fork is built for that target.
const FORK_PROBE_SOLC = { ...SUITE_SOLC, settings: { ...SUITE_SOLC.settings, evmVersion: "berlin" } };
const OVERRIDES = { "contracts/mocks/SafeTransferProbe.sol": FORK_PROBE_SOLC };

// Morpho Blue pins 0.8.19; it is a benchmark baseline only.
const MORPHO_SOLC = {
  version: "0.8.19",
  path: solcPath("solc-0.8.19"),
  settings: { optimizer: { enabled: true, runs: 999_999 }, evmVersion: "paris" },
};

export default defineConfig({
  // This repository uses its own plugin the way a host project does (docs/plugin.md).
  plugins: [hardhatToolboxMochaEthers, disjoint],
  solidity: {
    profiles: {
      default: { compilers: [SUITE_SOLC, MORPHO_SOLC], overrides: OVERRIDES },
      production: { compilers: [SUITE_SOLC, MORPHO_SOLC], overrides: OVERRIDES },
    },
    npmFilesToBuild: ["@morpho-org/morpho-blue/src/Morpho.sol"],
  },
  typechain: { outDir: "typechain-types" },
  paths: {
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    mocha: {
      rootHooks: {
        // A CI run once stayed alive after its summary: the old form of this guard named "Socket,
        // Socket" (only the run's own piped stdout and stderr); what held it was a timer, the
        // uncleared `sleep(240_000)` of a Promise.race in test/fork/fork-capture-node.ts (and
        // `sleep(30_000)` in test/fork/fork-serve.ts: 30.3 s from summary to exit, now 0.1 s).
        // Tests race with `within()` (test/helpers/node.ts), which clears its timer. The guard
        // stays so that a future leak costs 30 s and a named resource, not CI's whole time budget:
        // it names the active resources and handles and exits with the run's own exit code.
        afterAll() {
          setTimeout(() => {
            const stdio = new Set<unknown>([process.stdout, process.stderr]);
            const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles().filter((h) => !stdio.has(h));
            const resources = process.getActiveResourcesInfo(); // stdout and stderr included
            console.error(
              `test run: still alive 30 s after the last test; resources: ${resources.join(", ") || "none"}; handles besides stdio: ${handles.map((h) => h.constructor.name).join(", ") || "none"}; exiting`,
            );
            process.exit(process.exitCode ?? 0);
          }, 30_000).unref();
        },
      },
    },
  },
  networks: {
    default: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      allowUnlimitedContractSize: false,
    },
    // Blocks of 1,000+ transactions for workload capture: a large gas limit, and FIFO
    // ordering so that the block holds the transactions in the order they were sent.
    workload: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      blockGasLimit: 3_000_000_000n,
      mining: { auto: true, mempool: { order: "fifo" } },
    },
    // A fork of a shipped block's recorded state, served by `npx hardhat fork serve --block N`
    // (docs/replay.md), which prints the RECORDED_FORK_URL and RECORDED_FORK_BLOCK (N-1) to set:
    // without a block number Hardhat forks some blocks below the latest, which is not recorded.
    // Its accounts and coinbase are ones that server declares empty.
    recordedFork: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      forking: {
        enabled: true,
        url: process.env.RECORDED_FORK_URL ?? `http://127.0.0.1:${FORK_SERVE_PORT}`,
        ...(process.env.RECORDED_FORK_BLOCK ? { blockNumber: Number(process.env.RECORDED_FORK_BLOCK) } : {}),
      },
      accounts: FORK_ACCOUNT_KEYS.map((privateKey) => ({ privateKey, balance: 10n ** 21n })),
      coinbase: FORK_COINBASE,
    },
  },
});
