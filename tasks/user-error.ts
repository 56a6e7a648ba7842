import { HardhatPluginError } from "hardhat/plugins";

/** Runs a task body; expected failures (bad input files, bad options) print as one clear message, without a stack. */
export async function asUserErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError))
      throw new HardhatPluginError("disjoint", e.message, e);
    throw e;
  }
}
