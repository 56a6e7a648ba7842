import { expect } from "chai";
import { network } from "hardhat";
import { MockERC20__factory } from "../../typechain-types/index.js";
import { captureByReexecution } from "../../src/capture/reexecute.js";
import { fundEther, sendAsOneBlock, userAddress, type TxRequest } from "../../src/workload/chain.js";

const { ethers, provider } = await network.create("workload");

type Prestate = Record<string, { storage?: Record<string, string> }>;

/** Storage keys per account from a prestate trace, as "address|slot". */
function keys(state: Prestate): Set<string> {
  const out = new Set<string>();
  for (const [addr, acc] of Object.entries(state)) {
    for (const slot of Object.keys(acc.storage ?? {})) out.add(`${addr.toLowerCase()}|${slot.toLowerCase()}`);
  }
  return out;
}

describe("capture by re-execution", function () {
  it("agrees with the node's prestate traces, transaction by transaction", async function () {
    const [deployer] = await ethers.getSigners();
    const token = await new MockERC20__factory(deployer).deploy("T", "T", 18);
    const users = Array.from({ length: 12 }, (_, i) => userAddress(i));
    await (await token.fund(users, 10n ** 21n, ethers.ZeroAddress)).wait();
    await fundEther(provider, users);
    // Transfers in a ring, with two senders hitting the same recipient: reads, writes, and a
    // read-after-write inside the block.
    const txs: TxRequest[] = users.map((from, i) => ({
      from,
      to: String(token.target),
      data: token.interface.encodeFunctionData("transfer", [users[(i + 1) % users.length], BigInt(i + 1)]),
      label: "MockERC20.transfer",
    }));
    txs.push({
      from: users[3],
      to: String(token.target),
      data: token.interface.encodeFunctionData("transfer", [users[0], 5n]),
      label: "MockERC20.transfer",
    });
    const sent = await sendAsOneBlock(provider, txs);
    const { block, replay } = await captureByReexecution(provider, sent.number);

    expect(replay.receiptsRootChecked).to.equal(true);
    expect(block.txs.map((t) => t.hash)).to.deep.equal(sent.hashes);
    expect(block.txs.map((t) => t.gasUsed)).to.deep.equal(sent.gasUsed.map(Number));
    for (const [i, hash] of sent.hashes.entries()) {
      const plain = (await provider.request({
        method: "debug_traceTransaction",
        params: [hash, { tracer: "prestateTracer" }],
      })) as Prestate;
      const diff = (await provider.request({
        method: "debug_traceTransaction",
        params: [hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
      })) as { pre: Prestate; post: Prestate };
      const tx = block.txs[i];
      const writes = new Set(tx.storage.writes.map(([a, s]) => `${a}|${s}`));
      const touched = new Set([...tx.storage.reads, ...tx.storage.writes].map(([a, s]) => `${a}|${s}`));
      expect(writes, `writes of tx ${i}`).to.deep.equal(keys(diff.post));
      expect(touched, `touched slots of tx ${i}`).to.deep.equal(keys(plain));
      // Every transfer writes exactly two balances: the sender's and the recipient's.
      expect(tx.storage.writes.length).to.equal(2);
    }
  });

  it("fails with a clear error for a block the node does not have", async function () {
    let error: Error | undefined;
    try {
      await captureByReexecution(provider, 10_000_000);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/the node has no block 10000000/);
  });
});
