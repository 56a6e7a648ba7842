/**
 * The token layouts deploy/parameters/mainnet.json registers, checked against the recorded
 * mainnet corpus (fixtures/mainnet/<block>/access-sets.json.gz): for every direct `transfer` /
 * `transferFrom` call to the token in the corpus, the token slots the transaction really touched
 * are exactly the ones the registered layout names (the two balances, and the allowance when the
 * spender is not the owner). A layout no recorded transaction confirms is not registered.
 */
import { expect } from "chai";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AbiCoder, keccak256 } from "ethers";

const ROOT = process.cwd();
const CORPUS = join(ROOT, "fixtures/mainnet");
const coder = AbiCoder.defaultAbiCoder();
const balanceSlot = (account: string, slot: bigint) => keccak256(coder.encode(["address", "uint256"], [account, slot])).toLowerCase();
const allowanceSlot = (owner: string, spender: string, slot: bigint) =>
  keccak256(coder.encode(["address", "bytes32"], [spender, keccak256(coder.encode(["address", "uint256"], [owner, slot]))])).toLowerCase();

interface RecordedTx {
  storage?: { reads?: [string, string][]; writes?: [string, string][] };
}

/** Every direct transfer/transferFrom call to `token` in the corpus, with the token slots it touched. */
function recordedTransfers(token: string): { tx: string; expected: (b: bigint, a: bigint) => string[]; touched: Set<string> }[] {
  const out = [];
  for (const block of readdirSync(CORPUS)) {
    const dir = join(CORPUS, block);
    if (!existsSync(join(dir, "access-sets.json.gz")) || !existsSync(join(dir, "block.json.gz"))) continue;
    const header = JSON.parse(gunzipSync(readFileSync(join(dir, "block.json.gz"))).toString()) as {
      transactions: { hash: string; from: string; to: string | null; input: string }[];
    };
    const sets = JSON.parse(gunzipSync(readFileSync(join(dir, "access-sets.json.gz"))).toString()) as { blocks: { txs: RecordedTx[] }[] };
    for (const [i, tx] of header.transactions.entries()) {
      if (tx.to?.toLowerCase() !== token) continue;
      const selector = tx.input.slice(0, 10);
      if (selector !== "0xa9059cbb" && selector !== "0x23b872dd") continue;
      const touched = new Set<string>();
      const s = sets.blocks[0].txs[i].storage ?? {};
      for (const [account, slot] of [...(s.reads ?? []), ...(s.writes ?? [])])
        if (account.toLowerCase() === token) touched.add(slot.toLowerCase());
      const args = "0x" + tx.input.slice(10);
      const expected =
        selector === "0xa9059cbb"
          ? (b: bigint) => {
              const [to] = coder.decode(["address", "uint256"], args) as unknown as [string];
              return [balanceSlot(tx.from, b), balanceSlot(to, b)];
            }
          : (b: bigint, a: bigint) => {
              const [from, to] = coder.decode(["address", "address", "uint256"], args) as unknown as [string, string];
              const slots = [balanceSlot(from, b), balanceSlot(to, b)];
              if (from.toLowerCase() !== tx.from.toLowerCase()) slots.push(allowanceSlot(from, tx.from, a));
              return slots;
            };
      out.push({ tx: tx.hash, expected, touched });
    }
  }
  return out;
}

describe("token layouts registered by deploy/parameters/mainnet.json", function () {
  const mainnet = JSON.parse(readFileSync(join(ROOT, "deploy/parameters/mainnet.json"), "utf8")) as {
    tokenLayouts?: { token: string; balancesSlot: number; allowancesSlot: number }[];
  };

  it("lists WETH9 and nothing unconfirmed", function () {
    expect((mainnet.tokenLayouts ?? []).map((e) => e.token.toLowerCase())).to.deep.equal(["0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"]);
  });

  for (const entry of mainnet.tokenLayouts ?? []) {
    it(`${entry.token}: balances slot ${entry.balancesSlot}, allowances slot ${entry.allowancesSlot} are the slots recorded transfers touched`, function () {
      const transfers = recordedTransfers(entry.token.toLowerCase());
      expect(transfers.length, "no recorded transfer confirms the layout").to.be.greaterThan(0);
      for (const t of transfers) {
        const expected = new Set(t.expected(BigInt(entry.balancesSlot), BigInt(entry.allowancesSlot)));
        expect([...t.touched].sort(), t.tx).to.deep.equal([...expected].sort());
      }
    });
  }
});
