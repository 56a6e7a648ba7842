/** Writing the HTML report: render validated report data and write it atomically. */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../access/io.js";
import { renderReportHtml, type RenderOptions } from "./html.js";
import type { ReportData } from "./model.js";

/** Renders validated data and writes it atomically; creates the output's directory if needed. */
export async function writeReportHtml(data: ReportData, out: string, options: RenderOptions = {}): Promise<number> {
  const html = renderReportHtml(data, options);
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, html);
  return Buffer.byteLength(html);
}
