import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

/** `npx hardhat mainnet replay N... [--out FILE]` or `--all`: re-execute shipped mainnet blocks offline. */
export const mainnetReplayTask = task(["mainnet", "replay"])
  .setDescription(
    "Re-execute a mainnet block offline from its pre-state, check gasUsed and receiptsRoot against the header, and derive per-tx access sets",
  )
  .addVariadicArgument({
    name: "blocks",
    description: "Block numbers (directories of the corpus)",
    type: ArgumentType.INT,
    defaultValue: [],
  })
  .addFlag({ name: "all", description: "Replay every block of the corpus" })
  .addOption({
    name: "corpus",
    description: "Corpus root holding <number>/block.json.gz and pre_state.json.gz",
    defaultValue: "fixtures/mainnet",
  })
  .addOption({
    name: "out",
    description: "Write the access sets of the replayed block(s) to this file (.json or .json.gz)",
    defaultValue: "",
  })
  .addFlag({ name: "write", description: "Write <corpus>/<number>/access-sets.json.gz for each replayed block" })
  .setAction(() => import("./mainnet-replay-action.js"))
  .build();
