import { ArgumentType } from "hardhat/types/arguments";

/** Options that several tasks share, defined once. */
export const OUT_OPTION = {
  name: "out",
  description: "Access-set file to write (.json or .json.gz)",
  defaultValue: "access-sets.json",
} as const;

/** Retries of a node capture (`conflicts capture node`, `mainnet capture`). */
export const RETRY_OPTIONS = [
  {
    name: "retries",
    description: "Attempts per request on dropped connections, HTTP 429 and 5xx",
    type: ArgumentType.INT,
    defaultValue: 5,
  },
  { name: "backoffMs", description: "First wait before a retry, in ms (doubles each time)", type: ArgumentType.INT, defaultValue: 500 },
] as const;
