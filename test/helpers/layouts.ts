/**
 * Token layout registries for the mocha tests: the suite's declarations name exact token slots
 * for registered tokens (contracts/tokens/TokenLayoutRegistry.sol).
 */
import type { Signer } from "ethers";
import { TokenLayoutRegistry__factory, type TokenLayoutRegistry } from "../../typechain-types/index.js";
import { OZ_ERC20_LAYOUT } from "../../src/workload/deploy-helpers.js";

/** A registry owned by `owner` with `tokens` registered with OpenZeppelin ERC20's layout. */
export async function registryFor(owner: Signer, tokens: readonly string[]): Promise<TokenLayoutRegistry> {
  const registry = await new TokenLayoutRegistry__factory(owner).deploy(await owner.getAddress());
  for (const t of tokens) await (await registry.register(t, OZ_ERC20_LAYOUT.balancesSlot, OZ_ERC20_LAYOUT.allowancesSlot)).wait();
  return registry;
}
