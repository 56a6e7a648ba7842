import { expect } from "chai";
import { InputError } from "../../src/errors.js";
import { generateWorkload } from "../../src/workload/index.js";
import { disjointBatchDesign, singleHopSwaps } from "../../src/workload/designs.js";
import { runWorkloadBlocks } from "../../src/workload/run.js";
import type { DriverEnv } from "../../src/workload/drivers/types.js";

describe("runWorkloadBlocks", function () {
  it("refuses a design whose driver prepares a one-block prologue, before deploying anything", async function () {
    const workload = singleHopSwaps(generateWorkload({ kind: "dex", txs: 20, seed: 1 }), 10);
    const touched: string[] = [];
    const env = new Proxy({} as DriverEnv, {
      get: (_t, key) => {
        touched.push(String(key));
        throw new Error(`the chain was used (${String(key)})`);
      },
    });
    let error: unknown;
    try {
      await runWorkloadBlocks(env, disjointBatchDesign(), workload, [5, 5]);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).message).to.match(/blockPrologue.*cannot run over several blocks/);
    expect((error as InputError).hint).to.match(/runWorkload/);
    expect(touched).to.deep.equal([]);
  });
});
