import { expect } from "chai";
import { network } from "hardhat";
import { SwapMathHarness__factory } from "../../typechain-types/index.js";

const { ethers } = await network.create();

describe("SwapMath", function () {
  async function deploy() {
    const [deployer] = await ethers.getSigners();
    return new SwapMathHarness__factory(deployer).deploy();
  }

  it("quotes V2's 0.30% fee exactly on known values", async function () {
    const math = await deploy();
    // 1 token into a 1000/1000 pool: 997 * 1000 / (1_000_000 + 997) = 0 (rounds down).
    expect(await math.getAmountOut(1n, 1000n, 1000n)).to.equal(0n);
    // 1e18 into 100e18/200e18: hand-computed with V2's formula.
    const inWithFee = 10n ** 18n * 997n;
    const expected = (inWithFee * 200n * 10n ** 18n) / (100n * 10n ** 18n * 1000n + inWithFee);
    expect(await math.getAmountOut(10n ** 18n, 100n * 10n ** 18n, 200n * 10n ** 18n)).to.equal(expected);
    expect(await math.getAmountIn(expected, 100n * 10n ** 18n, 200n * 10n ** 18n)).to.be.lte(10n ** 18n);
  });

  it("reverts with a named error on empty input or reserves", async function () {
    const math = await deploy();
    await expect(math.getAmountOut(0n, 1n, 1n)).to.be.revertedWithCustomError(math, "InsufficientInputAmount");
    await expect(math.getAmountOut(1n, 0n, 1n)).to.be.revertedWithCustomError(math, "InsufficientLiquidity");
    await expect(math.getAmountIn(0n, 1n, 1n)).to.be.revertedWithCustomError(math, "InsufficientOutputAmount");
    await expect(math.getAmountIn(5n, 10n, 5n)).to.be.revertedWithCustomError(math, "InsufficientLiquidity");
  });
});
