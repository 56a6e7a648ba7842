import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import { OUT_OPTION, RETRY_OPTIONS } from "./options.js";

/** `conflicts capture <source>`: one sub-task per producer of access sets, each with its own options. */
export const captureTasks = [
  emptyTask(["conflicts", "capture"], "Capture per-transaction access sets: workload | replay | bal | node").build(),
  task(
    ["conflicts", "capture", "workload"],
    "Run transactions on a Hardhat network and capture them (re-executed, or prestate-traced with --method trace)",
  )
    .addOption(OUT_OPTION)
    .addOption({
      name: "requests",
      description: "JSON file of tx requests [{from,to,data,value,gas,function}] (default: the sample workload)",
      defaultValue: "",
    })
    .addOption({
      name: "txs",
      description: "Transactions in the sample workload (when no --requests)",
      type: ArgumentType.INT,
      defaultValue: 30,
    })
    .addOption({
      name: "method",
      description:
        "auto (reexec on an in-process network, else trace) | reexec (re-run each mined block once, checked against the node) | trace (prestateTracer per tx)",
      defaultValue: "auto",
    })
    .addOption({ name: "blockSize", description: "Transactions per block (0 = all in one)", type: ArgumentType.INT, defaultValue: 0 })
    .addOption({
      name: "addressBook",
      description: "JSON {address: ContractName | {contract,label}} for contracts not matched by bytecode",
      defaultValue: "",
    })
    .addFlag({ name: "noDeclared", description: "Do not ask targets for declareAccess" })
    .addFlag({ name: "noDecode", description: "Do not decode slot names (faster)" })
    .setAction(() => import("./capture-workload-action.js"))
    .build(),
  task(["conflicts", "capture", "replay"], "Replay a mainnet block of the corpus offline and capture its access sets")
    .addPositionalArgument({ name: "block", description: "Block number (a directory under --corpus)", type: ArgumentType.INT })
    .addOption(OUT_OPTION)
    .addOption({ name: "corpus", description: "Corpus directory", defaultValue: "fixtures/mainnet" })
    .setAction(() => import("./capture-replay-action.js"))
    .build(),
  task(["conflicts", "capture", "bal"], "Convert EIP-7928 block access lists (JSON or RLP, optionally gzipped) to access sets")
    .addVariadicArgument({ name: "inputs", description: "BAL files (.json, .rlp, optionally .gz)" })
    .addOption(OUT_OPTION)
    .addOption({
      name: "feeRecipient",
      description: "Fee recipient (default: the account credited in the most transactions)",
      defaultValue: "",
    })
    .addOption({
      name: "block",
      description: "Block number (default: the leading digits of the file name)",
      type: ArgumentType.STRING,
      defaultValue: "",
    })
    .addOption({ name: "indexBase", description: "tx_index base: auto (decided from what index 0 does) | 0 | 1", defaultValue: "auto" })
    .setAction(() => import("./capture-bal-action.js"))
    .build(),
  task(["conflicts", "capture", "node"], "Capture a block range from a node with the debug API (prestate traces, receipts checked)")
    .addPositionalArgument({ name: "from", description: "First block", type: ArgumentType.INT })
    .addPositionalArgument({ name: "to", description: "Last block (inclusive)", type: ArgumentType.INT })
    .addOption(OUT_OPTION)
    .addOption({ name: "rpc", description: "Node URL (default: $MAINNET_RPC_URL)", defaultValue: "" })
    .addOption(RETRY_OPTIONS[0])
    .addOption(RETRY_OPTIONS[1])
    .setAction(() => import("./mainnet-capture-action.js"))
    .build(),
];
