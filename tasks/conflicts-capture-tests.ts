import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "capture", "tests"])
  .setDescription("Run the project's mocha tests and capture the access set of every transaction they mine on in-process networks")
  .addOption({ name: "out", description: "Access-set file to write (.json or .json.gz)", defaultValue: "conflicts-tests.json" })
  .addOption({
    name: "grep",
    description: "Only run tests matching this string or regexp",
    type: ArgumentType.STRING_WITHOUT_DEFAULT,
    defaultValue: undefined,
  })
  .addFlag({ name: "noCompile", description: "Do not build the project first (it must have been built)" })
  .addFlag({ name: "noDeclared", description: "Do not ask targets for declareAccess(sender, data)" })
  .addVariadicArgument({ name: "testFiles", description: "Test files to run (default: every mocha test of the project)", defaultValue: [] })
  .setAction(() => import("./conflicts-capture-tests-action.js"))
  .build();
