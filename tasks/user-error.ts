import { isUserError } from "../src/errors.js";

/**
 * The one error wrapper of every task: a user error (a DisjointError from src/) prints as one
 * clear message (details, fix, causes) on stderr and sets exit code 1; anything else is a bug
 * and propagates with its stack trace.
 */
export async function asUserErrors(task: string | (() => Promise<void>), body?: () => Promise<void>): Promise<void> {
  const name = typeof task === "string" ? task : "disjoint";
  const run = typeof task === "string" ? body! : task;
  try {
    await run();
  } catch (e) {
    if (!isUserError(e)) throw e;
    console.error(`${name}: ${e.describe()}`);
    process.exitCode = 1;
  }
}
