import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "capture"])
  .setDescription("Capture per-transaction access sets: a workload on a Hardhat network (re-executed, or prestate-traced with --method trace), a replayed mainnet block, or EIP-7928 BAL files")
  .addOption({ name: "source", description: "workload | replay | bal", defaultValue: "workload" })
  .addOption({ name: "out", description: "Access-set file to write (.json or .json.gz)", defaultValue: "access-sets.json" })
  .addOption({ name: "requests", description: "workload: JSON file of tx requests [{from,to,data,value,gas,function}] (default: the sample workload)", defaultValue: "" })
  .addOption({ name: "txs", description: "workload: transactions in the sample workload", type: ArgumentType.INT, defaultValue: 30 })
  .addOption({
    name: "method",
    description:
      "workload: how accesses are read: auto (reexec on an in-process Hardhat network, else trace) | reexec (re-run each mined block once in @ethereumjs/vm, checked against the node) | trace (debug_traceTransaction prestateTracer per tx; any node, O(n^2) per block on EDR)",
    defaultValue: "auto",
  })
  .addOption({ name: "blockSize", description: "workload: transactions per block (0 = all in one)", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "addressBook", description: "JSON {address: ContractName | {contract,label}} for contracts not matched by bytecode", defaultValue: "" })
  .addFlag({ name: "noDeclared", description: "workload: do not ask targets for declareAccess" })
  .addFlag({ name: "noDecode", description: "workload: do not decode slot names (faster)" })
  .addOption({ name: "coinbase", description: "bal: fee recipient (default: inferred)", defaultValue: "" })
  .addOption({ name: "block", description: "replay: the corpus block to replay; bal: block number (default: from the file name)", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "indexBase", description: "bal: tx_index base: auto | 0 | 1", defaultValue: "auto" })
  .addVariadicArgument({ name: "inputs", description: "bal: BAL files (.json, .rlp, optionally .gz)", defaultValue: [] })
  .setAction(() => import("./conflicts-capture-action.js"))
  .build();
