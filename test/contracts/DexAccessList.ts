import { expect } from "chai";
import { network } from "hardhat";
import { declaredAccessList, declaredAccessSet } from "../../src/access/declare-call.js";
import {
  DisjointFactory__factory,
  DisjointPair__factory,
  DisjointRouter__factory,
  MockERC20__factory,
} from "../../typechain-types/index.js";
import { registryFor } from "../helpers/layouts.js";

const { ethers } = await network.create();
const E18 = 10n ** 18n;
const MAX = ethers.MaxUint256;

describe("declared access list helper (eth_call declareAccess -> EIP-2930)", function () {
  it("builds a router swap's access list in one call, and the transaction runs with it", async function () {
    const [owner, alice] = await ethers.getSigners();
    const A = await new MockERC20__factory(owner).deploy("A", "A", 18);
    const B = await new MockERC20__factory(owner).deploy("B", "B", 18);
    const [a, b] = [await A.getAddress(), await B.getAddress()];
    const layouts = await registryFor(owner, [a, b]);
    const factory = await new DisjointFactory__factory(owner).deploy(await layouts.getAddress());
    const router = await new DisjointRouter__factory(owner).deploy(await factory.getAddress(), 100);
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
    // Registered tokens are declared slot by slot: the sender's balance and allowance to the
    // router and the pool's balance of the input; the pool's and the recipient's of the output.
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const bal = (x: string) => ethers.keccak256(coder.encode(["address", "uint256"], [x, 0n]));
    const allowance = ethers.keccak256(
      coder.encode(
        ["address", "bytes32"],
        [await router.getAddress(), ethers.keccak256(coder.encode(["address", "uint256"], [owner.address, 1n]))],
      ),
    );
    expect(
      list
        .find((e) => e.address === a.toLowerCase())
        ?.storageKeys.slice()
        .sort(),
    ).to.deep.equal([allowance, bal(owner.address), bal(shard1)].sort());
    expect(
      list
        .find((e) => e.address === b.toLowerCase())
        ?.storageKeys.slice()
        .sort(),
    ).to.deep.equal([bal(shard1), bal(alice.address)].sort());

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
    const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
    await declaredAccessList(ethers.provider, await factory.getAddress(), owner.address, "0xdeadbeef").then(
      () => expect.fail("no error"),
      (err: Error) => {
        expect(err.message).to.contain("declareAccess on");
        expect(err.message).to.contain("0xdeadbeef");
      },
    );
  });
});
