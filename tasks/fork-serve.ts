import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import { FORK_SERVE_PORT } from "../src/replay/fork-accounts.js";

const fork = emptyTask("fork", "Serve recorded mainnet state as a JSON-RPC endpoint to fork from").build();

/** `npx hardhat fork serve --block N [--port P] [--upstream URL]`: a recorded block's state as JSON-RPC. */
const forkServe = task(["fork", "serve"])
  .setDescription(
    "Serve the state before a shipped mainnet block (its recorded pre-state) as JSON-RPC that Hardhat, ethers, viem or anvil can fork from",
  )
  .addOption({
    name: "block",
    description: "Block N of the corpus: serves the state before it, i.e. a fork at N-1",
    type: ArgumentType.INT,
    defaultValue: -1,
  })
  .addOption({ name: "port", description: "Port on 127.0.0.1 (0: any free port)", type: ArgumentType.INT, defaultValue: FORK_SERVE_PORT })
  .addOption({
    name: "upstream",
    description: "Record mode: fetch what the recording lacks from this archive node and save it",
    defaultValue: "",
  })
  .addOption({
    name: "corpus",
    description: "Corpus root holding <N>/block.json.gz and pre_state.json.gz",
    defaultValue: "fixtures/mainnet",
  })
  .addOption({
    name: "recording",
    description: "Recording file to read and extend (default: <corpus>/<N>/rpc-recording.json.gz)",
    defaultValue: "",
  })
  .setAction(() => import("./fork-serve-action.js"))
  .build();

/** Both definitions, for tasks/index.ts. */
export const forkServeTasks = [fork, forkServe];
