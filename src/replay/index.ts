/** Block replay: re-execute mainnet blocks offline and derive per-transaction access sets. */
export { replayBlock, ReplayMismatchError, BYZANTIUM_BLOCK } from "./replay.js";
export type { ReplayOptions, ReplayResult, ReplayTxResult, ExpectedReceipt } from "./replay.js";
export { loadCorpusBlock, checkCorpusBlock } from "./corpus.js";
export type { CorpusBlock, PreState, PreStateAccount, Recording, RpcBlock, RpcTransaction } from "./corpus.js";
export { AccessRecorder } from "./recorder.js";
export type { RecordedAccess } from "./recorder.js";
export { ReplaySource, toAccessSetFile, listCorpusBlocks, replayCorpusBlock, ACCESS_SET_FILE_NAME } from "./files.js";
export { startRecordedRpc, loadRecording, loadSynthesizedRecording, synthesizeParentHeader } from "./rpc-server.js";
export { loadForkRecording, type ForkRecording } from "./fork-recording.js";
export type { RecordedRpcServer, RecordedRpcOptions } from "./rpc-server.js";
export { NodeSource, captureRange, captureBlock, rpcClient, redactUrl, DebugApiMissingError, RpcCallError } from "./capture.js";
export type { CaptureOptions, CaptureResult } from "./capture.js";
