import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { deploySuite, type SuiteDeployArgs } from "../deploy/suite.js";
import { asUserErrors } from "./user-error.js";

export type { SuiteDeployArgs, SuiteRecord } from "../deploy/suite.js";

export default async function suiteDeployAction(args: SuiteDeployArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors(async () => {
    const connection = await hre.network.create(args.rpcUrl !== "" ? { override: { url: args.rpcUrl } } : undefined);
    try {
      await deploySuite(connection, args, hre.config.paths.root, console.log, { ignitionDir: hre.config.paths.ignition, artifacts: hre.artifacts });
    } finally {
      await connection.close();
    }
  });
}
