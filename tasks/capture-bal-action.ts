import { readFile } from "node:fs/promises";
import { BalSource } from "../src/capture/bal.js";
import { parseIndexBase } from "../src/capture/requests.js";
import { captureFile } from "../src/model/source.js";
import { UsageError } from "../src/errors.js";
import { writeCapture } from "./capture-out.js";
import { asUserErrors } from "./user-error.js";

interface Args {
  inputs: string[];
  out: string;
  feeRecipient: string;
  block: string;
  indexBase: string;
}

async function body(args: Args): Promise<void> {
  if (args.inputs.length === 0)
    throw new UsageError("no BAL files given", { hint: "npx hardhat conflicts capture bal FILE... --out bal.json" });
  if (args.block !== "" && !/^\d+$/.test(args.block)) throw new UsageError(`--block ${args.block}: expected a block number`);
  if (args.block !== "" && args.inputs.length > 1) throw new UsageError("--block names one block; give one BAL file with it");
  const files = await Promise.all(args.inputs.map(async (name) => ({ name, bytes: await readFile(name) })));
  const source = new BalSource(files, {
    indexBase: parseIndexBase(args.indexBase),
    ...(args.feeRecipient ? { coinbase: args.feeRecipient } : {}),
    ...(args.block !== "" ? { number: Number(args.block) } : {}),
    chainId: 1,
  });
  const file = await captureFile(source);
  for (const n of source.conversionNotes()) console.log(`block ${n}`);
  await writeCapture(args.out, file);
}

export default async function captureBal(args: Args): Promise<void> {
  await asUserErrors("conflicts capture bal", () => body(args));
}
