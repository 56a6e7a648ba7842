/**
 * The per-network parameters file of `suite deploy` (deploy/parameters/<network>.json): parsing,
 * range checks that mirror the constructors, on-chain checks (code at every address), and the
 * mapping to Ignition's per-module parameters. No hardhat import: the chain is reached through
 * the `getCode` callback.
 */
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { z } from "zod";
import { InputError } from "../src/errors.js";

/** A parameter is wrong (the parameters file, or what the chain says of it); the message names it and says how to fix it. */
export class DeployParameterError extends InputError {}

const MAX_UINT128 = (1n << 128n) - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;
const WAD = 10n ** 18n;
/** LendingMarket.MAX_SHARDS, DisjointVault.MAX_SHARDS, DisjointFactory.MAX_SHARDS, DisjointVault.MAX_FEE_BPS, DisjointBatchPool's shard bound. */
export const LIMITS = { lendingShards: 64n, vaultShards: 64n, pairShards: 16n, vaultFeeBps: 5_000n, batchShards: 128n } as const;
/** The batch pool's settlement window when the parameters file gives `dex.batchShards` but no `dex.settleWindow`. */
export const DEFAULT_SETTLE_WINDOW = 256n;

// Integers may be JSON numbers (small) or decimal strings (any size, e.g. "900000000000000000").
const int = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "a decimal integer string")]);
const cap = z.union([int, z.literal("max")]);
const addr = z.string();
const layoutEntry = z.object({ token: addr, balancesSlot: int, allowancesSlot: int, note: z.string().optional() }).strict();
const chainlinkSection = z
  .object({
    feed: addr,
    heartbeat: int,
    sequencerUptimeFeed: addr.optional(),
    gracePeriod: int.optional(),
    collateralDecimals: z.number().int().min(0).max(77),
    loanDecimals: z.number().int().min(0).max(77),
    note: z.string().optional(),
  })
  .strict();
const mockToken = z.object({ name: z.string().min(1), symbol: z.string().min(1), decimals: z.number().int().min(0).max(36) }).strict();

const fileSchema = z
  .object({
    owner: addr.describe('"deployer" or an address'),
    tokenLayouts: z.array(layoutEntry).optional(),
    local: z.object({ loanToken: mockToken.optional(), collateralToken: mockToken.optional(), price: int }).strict().optional(),
    dex: z
      .object({
        tokenA: addr.optional(),
        tokenB: addr.optional(),
        pairShards: int,
        maxTradeBps: int,
        batchShards: int.optional(),
        settleWindow: int.optional(),
      })
      .strict(),
    lending: z
      .object({
        loanToken: addr.optional(),
        collateralToken: addr.optional(),
        oracle: addr.optional(),
        chainlink: chainlinkSection.optional(),
        shardCount: int,
        lltv: int,
        liquidationBonus: int,
        maxPriceAge: int,
        baseRate: int,
        slope1: int,
        slope2: int,
        kink: int,
        supplyCap: cap.optional(),
        borrowCap: cap.optional(),
      })
      .strict(),
    vault: z
      .object({
        asset: addr.optional(),
        name: z.string().min(1),
        symbol: z.string().min(1),
        shardCount: int,
        feeRecipient: addr.optional(),
        performanceFeeBps: int,
        depositLimit: cap.optional(),
      })
      .strict(),
  })
  .strict();

export type SuiteParametersFile = z.infer<typeof fileSchema>;

/** Where an address comes from: given in the file, or the local mock of that name. */
export type AddressSource =
  { kind: "given"; address: string } | { kind: "mock"; mock: "loanToken" | "collateralToken" | "oracle" } | { kind: "chainlink" };

/** A ChainlinkPriceOracle that `suite deploy` deploys for the market (lending.chainlink). */
export interface ChainlinkPlan {
  feed: string;
  /** address(0) on L1. */
  sequencerUptimeFeed: string;
  heartbeat: bigint;
  gracePeriod: bigint;
  collateralDecimals: number;
  loanDecimals: number;
}

export interface SuitePlan {
  owner: string | "deployer";
  /** Parameters of the DisjointMocks module, when any mock is used. */
  mocks?: {
    loanName: string;
    loanSymbol: string;
    loanDecimals: number;
    collateralName: string;
    collateralSymbol: string;
    collateralDecimals: number;
    price: bigint;
  };
  /** The sharded pair and, when the file gives `dex.batchShards`, a batch pool on the same two tokens. */
  dex: {
    tokenA: AddressSource;
    tokenB: AddressSource;
    pairShards: bigint;
    maxTradeBps: bigint;
    batch?: { shards: bigint; settleWindow: bigint };
  };
  lending: {
    loanToken: AddressSource;
    collateralToken: AddressSource;
    oracle: AddressSource;
    shardCount: bigint;
    lltv: bigint;
    liquidationBonus: bigint;
    maxPriceAge: bigint;
    baseRate: bigint;
    slope1: bigint;
    slope2: bigint;
    kink: bigint;
    supplyCap: bigint;
    borrowCap: bigint;
  };
  /** Set when lending.oracle is a ChainlinkPriceOracle to deploy. */
  chainlink?: ChainlinkPlan;
  vault: {
    asset: AddressSource;
    name: string;
    symbol: string;
    shardCount: bigint;
    feeRecipient: string | "owner";
    performanceFeeBps: bigint;
    depositLimit: bigint;
  };
  /**
   * Token layouts to register in the suite's TokenLayoutRegistry: the file's `tokenLayouts`, plus
   * OpenZeppelin ERC20's layout (balances slot 0, allowances slot 1) for every mock token used.
   */
  tokenLayouts: { token: AddressSource; balancesSlot: bigint; allowancesSlot: bigint }[];
}

function fail(path: string, problem: string, fix: string): never {
  throw new DeployParameterError(`${path}: ${problem}; ${fix}`);
}

function checkAddress(path: string, value: string): string {
  if (!isAddress(value)) fail(path, `"${value}" is not an address`, "give a 0x-prefixed 20-byte hex address");
  const a = getAddress(value.toLowerCase());
  if (a === ZeroAddress) fail(path, "is the zero address", "give the address of the deployed contract or account");
  return a;
}

function inRange(path: string, v: string | number, lo: bigint, hi: bigint, what: string): bigint {
  const n = BigInt(v);
  if (n < lo || n > hi) fail(path, `${n} is out of range`, `use ${what}`);
  return n;
}

const MOCK_HINT = 'or add a "local" section (with a "price") so that `suite deploy` deploys mocks on a local chain';

function source(
  path: string,
  value: string | undefined,
  mock: "loanToken" | "collateralToken" | "oracle",
  hasLocal: boolean,
  what: string,
): AddressSource {
  if (value !== undefined) return { kind: "given", address: checkAddress(path, value) };
  if (!hasLocal) fail(path, "is missing", `give the address of ${what}, ${MOCK_HINT}`);
  return { kind: "mock", mock };
}

/** Parses and range-checks a parameters file (JSON already read). Throws DeployParameterError. */
export function planSuite(json: unknown, file = "<parameters>"): SuitePlan {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    const fix =
      issue.code === "unrecognized_keys" ? "remove it or fix its spelling (see docs/deploy.md)" : "see docs/deploy.md for the format";
    throw new DeployParameterError(`${file}: ${where}: ${issue.message}; ${fix}`);
  }
  const f = parsed.data;
  const hasLocal = f.local !== undefined;
  const owner = f.owner === "deployer" ? "deployer" : checkAddress("owner", f.owner);

  const dex = {
    tokenA: source("dex.tokenA", f.dex.tokenA, "loanToken", hasLocal, "an ERC-20 token"),
    tokenB: source("dex.tokenB", f.dex.tokenB, "collateralToken", hasLocal, "an ERC-20 token"),
    pairShards: inRange("dex.pairShards", f.dex.pairShards, 1n, LIMITS.pairShards, `1..${LIMITS.pairShards} (DisjointFactory.MAX_SHARDS)`),
    maxTradeBps: inRange("dex.maxTradeBps", f.dex.maxTradeBps, 1n, 10_000n, "1..10000 basis points of a shard's reserve"),
    ...(f.dex.batchShards !== undefined
      ? {
          batch: {
            shards: inRange(
              "dex.batchShards",
              f.dex.batchShards,
              1n,
              LIMITS.batchShards,
              `1..${LIMITS.batchShards} (DisjointBatchPool's trader shards)`,
            ),
            settleWindow: inRange(
              "dex.settleWindow",
              f.dex.settleWindow ?? DEFAULT_SETTLE_WINDOW.toString(),
              1n,
              MAX_UINT128,
              "blocks after a batch in which it can be settled, at least 1",
            ),
          },
        }
      : {}),
  };
  if (f.dex.settleWindow !== undefined && f.dex.batchShards === undefined)
    fail(
      "dex.settleWindow",
      "is given without dex.batchShards",
      "add dex.batchShards to deploy the batch pool, or remove dex.settleWindow",
    );
  if (dex.tokenA.kind === "given" && dex.tokenB.kind === "given" && dex.tokenA.address === dex.tokenB.address) {
    fail("dex.tokenB", "equals dex.tokenA", "a pair needs two different tokens");
  }

  const l = f.lending;
  const lltv = inRange("lending.lltv", l.lltv, 1n, WAD - 1n, "a WAD fraction in (0, 1e18), e.g. 860000000000000000 for 86%");
  const liquidationBonus = inRange(
    "lending.liquidationBonus",
    l.liquidationBonus,
    WAD,
    MAX_UINT256,
    "a WAD factor >= 1e18, e.g. 1050000000000000000 for +5%",
  );
  if ((lltv * liquidationBonus) / WAD >= WAD) {
    fail(
      "lending.liquidationBonus",
      `lltv * liquidationBonus = ${(lltv * liquidationBonus) / WAD} is not below 1e18`,
      "lower the bonus or lltv so that a boundary liquidation leaves collateral",
    );
  }
  const baseRate = inRange("lending.baseRate", l.baseRate, 0n, 10n ** 11n, "a per-second WAD rate");
  const slope1 = inRange("lending.slope1", l.slope1, 0n, 10n ** 11n, "a per-second WAD rate");
  const slope2 = inRange("lending.slope2", l.slope2, 0n, 10n ** 11n, "a per-second WAD rate");
  if (baseRate + slope1 + slope2 > 10n ** 11n)
    fail(
      "lending.slope2",
      "baseRate + slope1 + slope2 exceeds 1e11 per second (LendingMarket.MAX_RATE)",
      "lower the rates (LendingMarket caps them)",
    );
  const capOf = (path: string, v: string | number | undefined) =>
    v === undefined || v === "max" ? MAX_UINT128 : inRange(path, v, 0n, MAX_UINT128, 'an amount that fits uint128, or "max" for no cap');
  const lending = {
    loanToken: source("lending.loanToken", l.loanToken, "loanToken", hasLocal, "the ERC-20 lent"),
    collateralToken: source("lending.collateralToken", l.collateralToken, "collateralToken", hasLocal, "the ERC-20 posted as collateral"),
    oracle:
      l.chainlink !== undefined
        ? ({ kind: "chainlink" } as const)
        : source(
            "lending.oracle",
            l.oracle,
            "oracle",
            hasLocal,
            'a deployed IPriceOracle (collateral price in loan units, 1e36-scaled) or a "chainlink" section',
          ),
    shardCount: inRange(
      "lending.shardCount",
      l.shardCount,
      1n,
      LIMITS.lendingShards,
      `1..${LIMITS.lendingShards} (LendingMarket.MAX_SHARDS)`,
    ),
    lltv,
    liquidationBonus,
    maxPriceAge: inRange("lending.maxPriceAge", l.maxPriceAge, 1n, MAX_UINT256, "a positive number of seconds, e.g. 3600"),
    baseRate,
    slope1,
    slope2,
    kink: inRange("lending.kink", l.kink, 1n, WAD - 1n, "a WAD utilization in (0, 1e18), e.g. 800000000000000000"),
    supplyCap: capOf("lending.supplyCap", l.supplyCap),
    borrowCap: capOf("lending.borrowCap", l.borrowCap),
  };
  let chainlink: ChainlinkPlan | undefined;
  if (l.chainlink !== undefined) {
    const c = l.chainlink;
    if (l.oracle !== undefined)
      fail(
        "lending.oracle",
        "is given together with lending.chainlink",
        "keep one: an oracle address, or a chainlink section that deploys one",
      );
    const sequencer =
      c.sequencerUptimeFeed === undefined ? ZeroAddress : checkAddress("lending.chainlink.sequencerUptimeFeed", c.sequencerUptimeFeed);
    const gracePeriod =
      c.gracePeriod === undefined ? 0n : inRange("lending.chainlink.gracePeriod", c.gracePeriod, 0n, MAX_UINT256, "seconds");
    if (sequencer === ZeroAddress && gracePeriod !== 0n)
      fail(
        "lending.chainlink.gracePeriod",
        "is set without a sequencerUptimeFeed",
        "give the L2's sequencer-uptime feed, or drop the grace period (L1)",
      );
    if (sequencer !== ZeroAddress && gracePeriod === 0n)
      fail(
        "lending.chainlink.gracePeriod",
        "is missing or 0 with a sequencerUptimeFeed",
        "give the seconds to wait after a sequencer restart, e.g. 3600",
      );
    chainlink = {
      feed: checkAddress("lending.chainlink.feed", c.feed),
      sequencerUptimeFeed: sequencer,
      heartbeat: inRange(
        "lending.chainlink.heartbeat",
        c.heartbeat,
        1n,
        MAX_UINT256,
        "the feed's heartbeat in seconds, e.g. 3600 for ETH / USD",
      ),
      gracePeriod,
      collateralDecimals: c.collateralDecimals,
      loanDecimals: c.loanDecimals,
    };
  }
  if (
    lending.loanToken.kind === "given" &&
    lending.collateralToken.kind === "given" &&
    lending.loanToken.address === lending.collateralToken.address
  ) {
    fail("lending.collateralToken", "equals lending.loanToken", "the market needs two different tokens");
  }

  const v = f.vault;
  const vault = {
    asset: source("vault.asset", v.asset, "loanToken", hasLocal, "the vault's ERC-20 asset"),
    name: v.name,
    symbol: v.symbol,
    shardCount: inRange("vault.shardCount", v.shardCount, 1n, LIMITS.vaultShards, `1..${LIMITS.vaultShards} (DisjointVault.MAX_SHARDS)`),
    feeRecipient: v.feeRecipient === undefined ? "owner" : checkAddress("vault.feeRecipient", v.feeRecipient),
    performanceFeeBps: inRange(
      "vault.performanceFeeBps",
      v.performanceFeeBps,
      0n,
      LIMITS.vaultFeeBps,
      `0..${LIMITS.vaultFeeBps} (DisjointVault.MAX_FEE_BPS)`,
    ),
    depositLimit:
      v.depositLimit === undefined || v.depositLimit === "max"
        ? MAX_UINT256
        : inRange("vault.depositLimit", v.depositLimit, 0n, MAX_UINT256, 'an amount, or "max"'),
  };

  const maxSlot = MAX_UINT256 - 1n; // type(uint256).max is ANY_SLOT, never a mapping's slot
  const tokenLayouts: SuitePlan["tokenLayouts"] = (f.tokenLayouts ?? []).map((e, i) => {
    const path = `tokenLayouts[${i}]`;
    const entry = {
      token: { kind: "given" as const, address: checkAddress(`${path}.token`, e.token) },
      balancesSlot: inRange(`${path}.balancesSlot`, e.balancesSlot, 0n, maxSlot, "the slot index of the token's balances mapping"),
      allowancesSlot: inRange(`${path}.allowancesSlot`, e.allowancesSlot, 0n, maxSlot, "the slot index of the token's allowances mapping"),
    };
    if (entry.balancesSlot === entry.allowancesSlot)
      fail(`${path}.allowancesSlot`, "equals balancesSlot", "two mappings never share a slot: check the token's storage layout");
    return entry;
  });
  const seen = new Set<string>();
  for (const [i, e] of tokenLayouts.entries()) {
    const a = (e.token as { address: string }).address;
    if (seen.has(a)) fail(`tokenLayouts[${i}].token`, `${a} is listed twice`, "keep one entry per token (registrations are write-once)");
    seen.add(a);
  }
  const plan: SuitePlan = { owner, dex, lending, vault, tokenLayouts, ...(chainlink !== undefined ? { chainlink } : {}) };
  const usesMocks = [dex.tokenA, dex.tokenB, lending.loanToken, lending.collateralToken, lending.oracle, vault.asset].some(
    (s) => s.kind === "mock",
  );
  if (usesMocks && f.local) {
    const lt = f.local.loanToken ?? { name: "Loan USD", symbol: "lUSD", decimals: 6 };
    const ct = f.local.collateralToken ?? { name: "Collateral ETH", symbol: "cETH", decimals: 18 };
    plan.mocks = {
      loanName: lt.name,
      loanSymbol: lt.symbol,
      loanDecimals: lt.decimals,
      collateralName: ct.name,
      collateralSymbol: ct.symbol,
      collateralDecimals: ct.decimals,
      price: inRange("local.price", f.local.price, 1n, MAX_UINT256, "a positive 1e36-scaled price"),
    };
    // MockERC20 is OpenZeppelin's ERC20: balances at slot 0, allowances at slot 1.
    const mocked = new Set(
      [dex.tokenA, dex.tokenB, lending.loanToken, lending.collateralToken, vault.asset].flatMap((s) => (s.kind === "mock" ? [s.mock] : [])),
    );
    for (const mock of ["loanToken", "collateralToken"] as const) {
      if (mocked.has(mock)) plan.tokenLayouts.push({ token: { kind: "mock", mock }, balancesSlot: 0n, allowancesSlot: 1n });
    }
  }
  return plan;
}

/** Every address the plan takes from the file, with its parameter path. */
export function givenAddresses(plan: SuitePlan): { path: string; address: string }[] {
  const out: { path: string; address: string }[] = [];
  const add = (path: string, s: AddressSource) => s.kind === "given" && out.push({ path, address: s.address });
  add("dex.tokenA", plan.dex.tokenA);
  add("dex.tokenB", plan.dex.tokenB);
  add("lending.loanToken", plan.lending.loanToken);
  add("lending.collateralToken", plan.lending.collateralToken);
  add("lending.oracle", plan.lending.oracle);
  add("vault.asset", plan.vault.asset);
  if (plan.chainlink !== undefined) {
    out.push({ path: "lending.chainlink.feed", address: plan.chainlink.feed });
    if (plan.chainlink.sequencerUptimeFeed !== ZeroAddress)
      out.push({ path: "lending.chainlink.sequencerUptimeFeed", address: plan.chainlink.sequencerUptimeFeed });
  }
  plan.tokenLayouts.forEach((e, i) => add(`tokenLayouts[${i}].token`, e.token));
  return out;
}

/** Checks that every given contract address has code on the target chain. */
export async function checkCode(plan: SuitePlan, getCode: (address: string) => Promise<string>, chain: string): Promise<void> {
  for (const { path, address } of givenAddresses(plan)) {
    const code = await getCode(address);
    if (code === "0x" || code === "") {
      fail(path, `${address} has no contract code on ${chain}`, "check the address and the --network, or deploy that contract first");
    }
  }
}

/** The token layouts to register, with mock addresses resolved. */
export function tokenLayoutsToRegister(
  plan: SuitePlan,
  mocks: { loanToken: string; collateralToken: string; oracle: string } | undefined,
): { token: string; balancesSlot: bigint; allowancesSlot: bigint }[] {
  return plan.tokenLayouts.map((e) => {
    if (e.token.kind === "given") return { token: e.token.address, balancesSlot: e.balancesSlot, allowancesSlot: e.allowancesSlot };
    if (e.token.kind === "chainlink") throw new Error("internal: a token cannot come from a chainlink section");
    if (mocks === undefined) throw new Error(`internal: mock ${e.token.mock} used but not deployed`);
    return { token: mocks[e.token.mock], balancesSlot: e.balancesSlot, allowancesSlot: e.allowancesSlot };
  });
}

/** Ignition parameters of DisjointDex, DisjointLending and DisjointVault, with mocks and owner resolved. */
export function ignitionParameters(
  plan: SuitePlan,
  resolved: { owner: string; mocks?: { loanToken: string; collateralToken: string; oracle: string }; chainlinkOracle?: string },
): Record<string, Record<string, string | bigint>> {
  const at = (s: AddressSource): string => {
    if (s.kind === "given") return s.address;
    if (s.kind === "chainlink") {
      if (resolved.chainlinkOracle === undefined) throw new Error("internal: the chainlink oracle is used but not deployed");
      return resolved.chainlinkOracle;
    }
    if (resolved.mocks === undefined) throw new Error(`internal: mock ${s.mock} used but not deployed`);
    return resolved.mocks[s.mock];
  };
  const { dex, lending: l, vault: v } = plan;
  return {
    DisjointDex: {
      tokenA: at(dex.tokenA),
      tokenB: at(dex.tokenB),
      pairShards: dex.pairShards,
      maxTradeBps: dex.maxTradeBps,
      owner: resolved.owner,
    },
    ...(dex.batch !== undefined
      ? {
          DisjointDexBatch: {
            tokenA: at(dex.tokenA),
            tokenB: at(dex.tokenB),
            batchShards: dex.batch.shards,
            settleWindow: dex.batch.settleWindow,
          },
        }
      : {}),
    DisjointLending: {
      loanToken: at(l.loanToken),
      collateralToken: at(l.collateralToken),
      oracle: at(l.oracle),
      shardCount: l.shardCount,
      lltv: l.lltv,
      liquidationBonus: l.liquidationBonus,
      maxPriceAge: l.maxPriceAge,
      baseRate: l.baseRate,
      slope1: l.slope1,
      slope2: l.slope2,
      kink: l.kink,
      supplyCap: l.supplyCap,
      borrowCap: l.borrowCap,
      owner: resolved.owner,
    },
    DisjointVault: {
      asset: at(v.asset),
      name: v.name,
      symbol: v.symbol,
      shardCount: v.shardCount,
      feeRecipient: v.feeRecipient === "owner" ? resolved.owner : v.feeRecipient,
      performanceFeeBps: v.performanceFeeBps,
      depositLimit: v.depositLimit,
      owner: resolved.owner,
    },
  };
}

/** JSON with keys sorted at every level (stable diffs for committed files). */
export function stableJson(value: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x !== null && typeof x === "object") {
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
      );
    }
    return typeof x === "bigint" ? x.toString() : x;
  };
  return JSON.stringify(sort(value), null, 2) + "\n";
}
