import { expect } from "chai";
import { network } from "hardhat";
import { declaredAccessList, declaredAccessSet } from "../src/access/declare-call.js";
import { DisjointFactory__factory, DisjointPair__factory, DisjointRouter__factory, MockERC20__factory } from "../typechain-types/index.js";

const { ethers } = await network.create();
const E18 = 10n ** 18n;
const MAX = ethers.MaxUint256;

describe("declared access list helper (eth_call declareAccess -> EIP-2930)", function () {
  it("builds a router swap's access list in one call, and the transaction runs with it", async function () {
    const [owner, alice] = await ethers.getSigners();
    const factory = await new DisjointFactory__factory(owner).deploy();
    const router = await new DisjointRouter__factory(owner).deploy(await factory.getAddress(), 100);
    const A = await new MockERC20__factory(owner).deploy("A", "A", 18);
    const B = await new MockERC20__factory(owner).deploy("B", "B", 18);
    const [a, b] = [await A.getAddress(), await B.getAddress()];
    for (const t of [A, B]) {
      await t.mint(owner.address, 10n ** 24n);
      await t.approve(await router.getAddress(), MAX);
    }
    await factory.createShardedPair(a, b, 2);
    await router.addLiquidityToShard(a, b, 0, 10n * E18, 10n * E18, 0, 0, owner.address, MAX);
    await router.addLiquidityToShard(a, b, 1, 10n * E18, 10n * E18, 0, 0, owner.address, MAX);
    const data = router.interface.encodeFunctionData("swapExactTokensForTokensOnShards", [E18 / 10n, 0n, [a, b], [1n], alice.address, MAX]);
    const list = await declaredAccessList(ethers.provider, await router.getAddress(), owner.address, data);

    const shard1 = (await factory.getShard(a, b, 1)).toLowerCase();
    const shard0 = (await factory.getShard(a, b, 0)).toLowerCase();
    const pool = list.find((e) => e.address === shard1);
    const slot = (n: number) => ethers.zeroPadValue(ethers.toBeHex(n), 32);
    expect(pool?.storageKeys).to.deep.equal([slot(4), slot(5), slot(6)]);
    expect(list.find((e) => e.address === shard0)).to.equal(undefined);
    // Tokens are declared as whole accounts: the address with no keys.
    expect(list.find((e) => e.address === a.toLowerCase())?.storageKeys).to.deep.equal([]);

    const set = await declaredAccessSet(ethers.provider, await router.getAddress(), owner.address, data);
    expect(set.writes.map(([acct, s]) => `${acct}:${s}`)).to.include(`${shard1}:${slot(4)}`);
    expect(set.snapshots?.map(([acct, s]) => `${acct}:${s}`)).to.include(`${shard1}:${slot(5)}`);

    const tx = await owner.sendTransaction({ to: await router.getAddress(), data, accessList: list, type: 1 });
    const receipt = await tx.wait();
    expect(receipt?.status).to.equal(1);
    const s1 = DisjointPair__factory.connect(shard1, owner);
    expect((await s1.getReserves())[0]).to.not.equal(10n * E18);
  });

  it("names the target and selector when declareAccess reverts", async function () {
    const [owner] = await ethers.getSigners();
    const factory = await new DisjointFactory__factory(owner).deploy();
    await declaredAccessList(ethers.provider, await factory.getAddress(), owner.address, "0xdeadbeef").then(
      () => expect.fail("no error"),
      (err: Error) => {
        expect(err.message).to.contain("declareAccess on");
        expect(err.message).to.contain("0xdeadbeef");
      },
    );
  });
});
