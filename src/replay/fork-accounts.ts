/**
 * Accounts for forks of the recorded state (`npx hardhat fork serve`, the `recordedFork`
 * network). Hardhat's default accounts and coinbase are real mainnet addresses whose state a
 * recording does not hold, so a fork uses these instead: keys derived from a public label, hence
 * addresses nobody could have used before the label was published, i.e. empty in every shipped
 * block. `fork serve` declares them empty; nothing else is assumed.
 */
import { computeAddress, getAddress, id } from "ethers";

/** Private keys of the fork's accounts: keccak256("disjoint recorded fork account <i>"). */
export const FORK_ACCOUNT_KEYS: string[] = Array.from({ length: 4 }, (_, i) => id(`disjoint recorded fork account ${i}`));

/** Their addresses. */
export const FORK_ACCOUNTS: string[] = FORK_ACCOUNT_KEYS.map((k) => computeAddress(k));

/** The fork's coinbase: the last 20 bytes of keccak256("disjoint recorded fork coinbase"). */
export const FORK_COINBASE: string = getAddress(`0x${id("disjoint recorded fork coinbase").slice(-40)}`);

/** Default port of `fork serve` and of the `recordedFork` network's URL. */
export const FORK_SERVE_PORT = 8546;
