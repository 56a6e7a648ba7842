/** Action of `conflicts report`: load and validate report data, render, write atomically. */
import { UsageError } from "../src/errors.js";
import { writeReport } from "../src/pipeline/index.js";
import { asUserErrors } from "./user-error.js";

interface Args {
  file: string;
  html: string;
  maxGraphNodes: number;
}

async function reportBody(args: Args): Promise<void> {
  const maxGraphNodes = args.maxGraphNodes;
  if (!Number.isInteger(maxGraphNodes) || maxGraphNodes < 1) {
    throw new UsageError(`--max-graph-nodes must be a positive integer, got ${maxGraphNodes}`);
  }
  if (args.html === "") throw new UsageError("no output given", { hint: "pass --html out.html to write the HTML report" });
  const r = await writeReport(args.file, args.html, { maxGraphNodes });
  console.log(
    `wrote ${args.html} (${(r.bytes / 1024).toFixed(0)} KiB): ${r.data.summary.txs} txs, ${r.data.hotSlots.length} hot slots, ` +
      `${r.data.speedups.series.length} schedulers, ${r.data.gantt.tasks.length} Gantt tasks, ` +
      `graph ${r.graphNodes}/${r.data.graph.nodes.length} nodes drawn`,
  );
}

export default async function reportAction(args: Args): Promise<void> {
  await asUserErrors("conflicts report", () => reportBody(args));
}
