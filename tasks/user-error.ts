import { isUserError } from "../src/errors.js";

/**
 * The one error wrapper of every task: a user error (a DisjointError from src/ or deploy/)
 * prints as one clear message (details, fix, causes) on stderr, prefixed with the task's name,
 * and sets exit code 1; anything else is a bug and propagates with its stack trace.
 */
export async function asUserErrors(task: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!isUserError(e)) throw e;
    console.error(`${task}: ${e.describe()}`);
    process.exitCode = 1;
  }
}
