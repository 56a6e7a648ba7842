/**
 * Pre-flight of a Chainlink-backed market (lending.chainlink): before `suite deploy` sends
 * anything, the feed must answer on the target chain with what ChainlinkPriceOracle will accept
 * (answer > 0, a complete round, updated within the heartbeat of the chain's latest block, not
 * after it; on an L2 the sequencer up and past its grace period), and the tokens' decimals must
 * be the ones the file gives (a wrong one misprices collateral by powers of ten). No hardhat
 * import: the chain is reached through an `eth_call`-like callback.
 */
import { Interface, ZeroAddress } from "ethers";
import { type ChainlinkPlan, DeployParameterError } from "./config.js";

const FEED = new Interface([
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
]);
const TOKEN = new Interface(["function decimals() view returns (uint8)"]);

/** Reads the chain: `call(to, data)` is an eth_call at the latest block; `now` is that block's timestamp. */
export interface ChainReader {
  call(to: string, data: string): Promise<string>;
  now: bigint;
  chain: string;
}

/** What the feed answered, for the deploy log. */
export interface FeedReading {
  answer: bigint;
  decimals: number;
  updatedAt: bigint;
  age: bigint;
  roundId: bigint;
}

async function read<T>(path: string, what: string, fn: () => Promise<T>, chain: string, expected = "a Chainlink feed (proxy)"): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    throw new DeployParameterError(
      `${path}: ${what} failed on ${chain} (${why}); check the address and the --network: it must be ${expected} on this chain`,
    );
  }
}

/** Checks the feed (and the sequencer feed) as the oracle will; throws DeployParameterError naming the problem. */
export async function checkChainlinkFeed(c: ChainlinkPlan, r: ChainReader): Promise<FeedReading> {
  const decimals = Number(
    await read(
      "lending.chainlink.feed",
      "decimals()",
      async () => FEED.decodeFunctionResult("decimals", await r.call(c.feed, FEED.encodeFunctionData("decimals")))[0],
      r.chain,
    ),
  );
  const [roundId, answer, , updatedAt, answeredInRound] = (await read(
    "lending.chainlink.feed",
    "latestRoundData()",
    async () => FEED.decodeFunctionResult("latestRoundData", await r.call(c.feed, FEED.encodeFunctionData("latestRoundData"))),
    r.chain,
  )) as unknown as [bigint, bigint, bigint, bigint, bigint];
  const at = `lending.chainlink.feed: ${c.feed} on ${r.chain}`;
  if (answer <= 0n) throw new DeployParameterError(`${at} answers ${answer}, not a positive price; this feed cannot price collateral`);
  if (updatedAt === 0n || answeredInRound < roundId)
    throw new DeployParameterError(`${at}: its latest round ${roundId} is not complete; retry later or check the feed`);
  if (updatedAt > r.now)
    throw new DeployParameterError(`${at} was updated at ${updatedAt}, after the latest block (${r.now}); check the network's clock`);
  const age = r.now - updatedAt;
  if (age > c.heartbeat) {
    throw new DeployParameterError(
      `${at} is stale: last updated ${age} s before the latest block, above lending.chainlink.heartbeat = ${c.heartbeat} s; use the feed's published heartbeat, or wait for an update`,
    );
  }
  if (c.sequencerUptimeFeed !== ZeroAddress) {
    const [, status, startedAt] = (await read(
      "lending.chainlink.sequencerUptimeFeed",
      "latestRoundData()",
      async () =>
        FEED.decodeFunctionResult("latestRoundData", await r.call(c.sequencerUptimeFeed, FEED.encodeFunctionData("latestRoundData"))),
      r.chain,
    )) as unknown as [bigint, bigint, bigint];
    const seq = `lending.chainlink.sequencerUptimeFeed: ${c.sequencerUptimeFeed} on ${r.chain}`;
    if (startedAt === 0n) throw new DeployParameterError(`${seq} has no valid round; check that it is the L2's sequencer-uptime feed`);
    if (status !== 0n) throw new DeployParameterError(`${seq} reports the sequencer down; deploy when it is up again`);
    if (startedAt > r.now || r.now - startedAt <= c.gracePeriod) {
      throw new DeployParameterError(
        `${seq}: the sequencer came back up at ${startedAt}, within the grace period of ${c.gracePeriod} s; deploy after it`,
      );
    }
  }
  return { answer, decimals, updatedAt, age, roundId };
}

/** Checks that the given tokens have the decimals the chainlink section says. */
export async function checkTokenDecimals(
  c: ChainlinkPlan,
  r: ChainReader,
  tokens: { collateralToken?: string; loanToken?: string },
): Promise<void> {
  for (const [key, expected] of [
    ["collateralToken", c.collateralDecimals],
    ["loanToken", c.loanDecimals],
  ] as const) {
    const token = tokens[key];
    if (token === undefined) continue;
    const got = Number(
      await read(
        `lending.${key}`,
        "decimals()",
        async () => TOKEN.decodeFunctionResult("decimals", await r.call(token, TOKEN.encodeFunctionData("decimals")))[0],
        r.chain,
        "an ERC-20 token with decimals()",
      ),
    );
    if (got !== expected) {
      throw new DeployParameterError(
        `lending.chainlink.${key === "loanToken" ? "loanDecimals" : "collateralDecimals"}: ${expected}, but ${token} has ${got} decimals on ${r.chain}; set it to ${got}`,
      );
    }
  }
}
