/**
 * What `conflicts capture` parses before capturing: a JSON file of transaction requests, the
 * capture method for a network, a BAL index base. Plain functions, so that tasks stay shells
 * and tests call them without Hardhat.
 */
import { InputError, UsageError } from "../errors.js";
import type { CaptureMethod, TxRequest } from "./rpc.js";

/** Validates a JSON array of transaction requests ([{from, to, data, value, gas, function}]). */
export function parseRequests(json: unknown, file: string): TxRequest[] {
  if (!Array.isArray(json))
    throw new InputError(`${file}: expected a JSON array of transaction requests`, {
      hint: 'write [{ "from": "0x...", "to": "0x...", "data": "0x..." }, ...]',
    });
  return json.map((r: Record<string, unknown> | null, i: number) => {
    if (typeof r?.from !== "string") throw new InputError(`${file}: [${i}].from: missing sender address`);
    const req: TxRequest = { from: r.from };
    if (r.to !== undefined && r.to !== null) req.to = String(r.to);
    if (r.data !== undefined) req.data = String(r.data);
    if (r.value !== undefined) req.value = BigInt(r.value as string | number);
    if (r.gas !== undefined) req.gas = BigInt(r.gas as string | number);
    if (typeof r.function === "string") req.function = r.function;
    return req;
  });
}

/**
 * --method: auto picks re-execution on an in-process (EDR) network, whose state at any past
 * block the re-execution reads, and traces elsewhere (an external node may lack old state).
 */
export function captureMethod(
  option: string,
  config: { type: string; hardfork?: string },
  networkName: string,
): { method: CaptureMethod; hardfork?: string } {
  const inProcess = config.type === "edr-simulated";
  const hardfork = inProcess ? config.hardfork : undefined;
  if (option === "trace") return { method: "trace" };
  if (option === "reexec" || (option === "auto" && inProcess)) return { method: "reexec", ...(hardfork ? { hardfork } : {}) };
  if (option === "auto") return { method: "trace" };
  throw new UsageError(`--method must be auto, reexec or trace (got ${option}) for network ${networkName}`);
}

/** --index-base of a BAL: "auto", "0" or "1". */
export function parseIndexBase(option: string): 0 | 1 | "auto" {
  if (option === "auto") return "auto";
  if (option === "0" || option === "1") return Number(option) as 0 | 1;
  throw new UsageError(`--index-base must be auto, 0 or 1 (got ${option})`);
}
