import { HardhatPluginError } from "hardhat/plugins";
import { isUserError } from "../src/errors.js";

/**
 * The one error wrapper of every task: a user error (a DisjointError from src/) prints as one
 * clear message (details, fix, causes) on stderr and sets exit code 1; anything else is a bug
 * and propagates with its stack trace.
 *
 * Transitional: called with the body only (tasks/suite-deploy-action.ts, whose errors are not
 * DisjointErrors yet), it keeps the old rule, any Error but Type/Range/ReferenceError as a
 * Hardhat plugin error, until deploy/ throws DisjointErrors.
 */
export async function asUserErrors(task: string | (() => Promise<void>), body?: () => Promise<void>): Promise<void> {
  if (typeof task !== "string") return legacy(task);
  try {
    await body!();
  } catch (e) {
    if (!isUserError(e)) throw e;
    console.error(`${task}: ${e.describe()}`);
    process.exitCode = 1;
  }
}

async function legacy(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (isUserError(e) || (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError)))
      throw new HardhatPluginError("disjoint", isUserError(e) ? e.describe() : e.message, e);
    throw e;
  }
}
