/**
 * Per-transaction execution facts of the 50 shipped mainnet blocks that the access sets do not
 * give, for the engine cost model's sequential time (src/schedule/cost-model.ts): gas spent
 * inside precompiles (by precompile), the number of call frames, and the bytes of code of the
 * frames' code accounts (pre-state code sizes). Re-executes each block with the replay
 * (src/replay/replay.ts, same fidelity checks) and watches the EVM's message events.
 * Writes fixtures/pevm/block-ops.json.gz, read by bench/calibrate.ts.
 *   node --import tsx bench/block-ops.ts      (or: npx hardhat run bench/block-ops.ts)
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bytesToHex } from "@ethereumjs/util";
import { writeFileAtomic } from "../src/access/io.js";
import { loadCorpusBlock } from "../src/replay/corpus.js";
import { replayBlock } from "../src/replay/replay.js";

const ROOT = "fixtures/mainnet";
const OUT = "fixtures/pevm/block-ops.json.gz";
const PRECOMPILE = /^0x0{38}(0[1-9a-f]|1[01])$/;

interface TxOps {
  /** Gas used inside precompile calls, by precompile address (last byte, hex). */
  precompileGas: Record<string, number>;
  /** Message frames (the tx's own call or creation, and every inner call or creation). */
  frames: number;
  /** Sum over frames of the code size of the frame's code account (0 for precompiles and accounts without code). */
  codeBytes: number;
}

const numbers = (await readdir(ROOT))
  .filter((d) => /^\d+$/.test(d))
  .map(Number)
  .sort((a, b) => a - b);
const blocks: Record<string, { hash: string | null; txs: TxOps[] }> = {};
for (const n of numbers) {
  const input = await loadCorpusBlock(join(ROOT, String(n)));
  const codeSize = new Map<string, number>();
  for (const [a, acc] of Object.entries(input.preState)) if (acc.code) codeSize.set(a.toLowerCase(), acc.code.original_len);
  const txs: TxOps[] = [];
  let cur: TxOps = { precompileGas: {}, frames: 0, codeBytes: 0 };
  const stack: string[] = [];
  const r = await replayBlock(input, {
    instrument(vm) {
      vm.events.on("beforeTx", () => {
        cur = { precompileGas: {}, frames: 0, codeBytes: 0 };
      });
      vm.events.on("afterTx", () => {
        txs.push(cur);
      });
      vm.evm.events!.on("beforeMessage", (m: { codeAddress?: { bytes: Uint8Array }; to?: { bytes: Uint8Array } }) => {
        // A creation has no code account (its codeAddress getter throws).
        const hex = m.to === undefined ? "create" : bytesToHex((m.codeAddress ?? m.to).bytes);
        stack.push(hex);
        cur.frames++;
        cur.codeBytes += codeSize.get(hex) ?? 0;
      });
      vm.evm.events!.on("afterMessage", (res: { execResult: { executionGasUsed: bigint } }) => {
        const hex = stack.pop()!;
        if (PRECOMPILE.test(hex)) {
          const k = hex.slice(-2);
          cur.precompileGas[k] = (cur.precompileGas[k] ?? 0) + Number(res.execResult.executionGasUsed);
        }
      });
    },
  });
  if (txs.length !== r.txs.length) throw new Error(`block ${n}: ${txs.length} txs watched, ${r.txs.length} replayed`);
  blocks[n] = { hash: r.access.hash, txs };
  const pg = txs.reduce((s, t) => s + Object.values(t.precompileGas).reduce((a, b) => a + b, 0), 0);
  console.log(`${n}: ${txs.length} txs, ${txs.reduce((s, t) => s + t.frames, 0)} frames, precompile gas ${pg}`);
}
const out = {
  format: "disjoint.block-ops",
  version: 1,
  command: "node --import tsx bench/block-ops.ts",
  derivedFrom: "re-execution of fixtures/mainnet/<n> (block.json.gz, pre_state.json.gz) by src/replay/replay.ts, EVM message events",
  blocks,
};
await writeFileAtomic(OUT, gzipSync(JSON.stringify(out)));
console.log(`wrote ${OUT}`);
