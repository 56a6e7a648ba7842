/** Action of `conflicts report`: load and validate report data, render, write atomically. */
import { writeReport, ReportInputError } from "../src/report/write.js";

interface Args {
  file: string;
  html: string;
  maxGraphNodes: number;
}

export default async function reportAction(args: Args): Promise<void> {
  try {
    const maxGraphNodes = args.maxGraphNodes;
    if (!Number.isInteger(maxGraphNodes) || maxGraphNodes < 1) {
      throw new ReportInputError(`--max-graph-nodes must be a positive integer, got ${maxGraphNodes}`);
    }
    if (args.html === "") {
      throw new ReportInputError("no output given: pass --html out.html to write the HTML report");
    }
    const r = await writeReport(args.file, args.html, { maxGraphNodes });
    console.log(
      `wrote ${args.html} (${(r.bytes / 1024).toFixed(0)} KiB): ${r.data.summary.txs} txs, ${r.data.hotSlots.length} hot slots, ` +
        `${r.data.speedups.series.length} schedulers, ${r.data.gantt.tasks.length} Gantt tasks, ` +
        `graph ${r.graphNodes}/${r.data.graph.nodes.length} nodes drawn`,
    );
  } catch (e) {
    if (e instanceof ReportInputError || ["ReportDataError", "AccessSetFormatError"].includes((e as Error).name)) {
      console.error(`conflicts report: ${(e as Error).message}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
