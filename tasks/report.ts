/** `npx hardhat conflicts report FILE --html out.html`: the self-contained HTML report. */
import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

export default task(["conflicts", "report"])
  .setDescription("Write a self-contained HTML report (charts inlined, works offline) from access sets or report data")
  .addPositionalArgument({
    name: "file",
    description: "An access-set file (analyzed and simulated on the way) or ReportData JSON (.json or .json.gz)",
  })
  .addOption({
    name: "html",
    description: "Where to write the HTML report (written atomically)",
    defaultValue: "",
  })
  .addOption({
    name: "maxGraphNodes",
    description: "Cap on the dependency-graph nodes drawn (largest component, breadth-first)",
    type: ArgumentType.INT,
    defaultValue: 250,
  })
  .setAction(() => import("./report-action.js"))
  .build();
