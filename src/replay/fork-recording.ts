/** The recorded state a `fork serve` endpoint answers from: a shipped corpus block's pre-state. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { listCorpusBlocks } from "./files.js";
import { loadRecording, loadSynthesizedRecording } from "./rpc-server.js";

export interface ForkRecording {
  recording: Awaited<ReturnType<typeof loadRecording>>;
  /** Where the recording's answers are read from and, in record mode, saved to. */
  recordingFile: string;
  /** True when the parent block's real header is in the corpus; else it is synthesized. */
  realParent: boolean;
}

/**
 * Loads the state before `block` of the corpus at `root` (`corpusLabel` names it in errors),
 * with the answers of `recordingFile` (default: the block's own rpc-recording.json.gz).
 */
export async function loadForkRecording(root: string, corpusLabel: string, block: number, recordingFile?: string): Promise<ForkRecording> {
  const available = await listCorpusBlocks(root).catch(() => [] as number[]);
  if (block < 1)
    throw new UsageError(`give --block N, a block of the corpus (${available.length} in ${corpusLabel}: ${available.join(", ")})`);
  const dir = join(root, String(block));
  if (!existsSync(join(dir, "pre_state.json.gz")) || !existsSync(join(dir, "block.json.gz"))) {
    throw new UsageError(
      `block ${block} is not in ${corpusLabel} (it needs block.json.gz and pre_state.json.gz); shipped blocks: ${available.join(", ")}`,
    );
  }
  const file = recordingFile ?? join(dir, "rpc-recording.json.gz");
  const parent = join(root, String(block - 1), "block.json.gz");
  const realParent = existsSync(parent);
  const recording = realParent
    ? await loadRecording(parent, join(dir, "pre_state.json.gz"), file)
    : await loadSynthesizedRecording(join(dir, "block.json.gz"), join(dir, "pre_state.json.gz"), file);
  return { recording, recordingFile: file, realParent };
}
