import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { DEPLOY_STEPS, deploySuite, type SuiteDeployArgs } from "../deploy/suite.js";
import { createProgress } from "../src/report/progress.js";
import { asUserErrors } from "./user-error.js";

export type { SuiteDeployArgs, SuiteRecord } from "../deploy/suite.js";

export default async function suiteDeployAction(args: SuiteDeployArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await asUserErrors("suite deploy", async () => {
    const connection = await hre.network.create(args.rpcUrl !== "" ? { override: { url: args.rpcUrl } } : undefined);
    // A step counter on stderr (silent under CI=true); the log lines go through it untorn.
    const bar = createProgress({ label: "deploy", total: DEPLOY_STEPS, unit: "steps" });
    try {
      await deploySuite(
        connection,
        args,
        hre.config.paths.root,
        (s) => bar.log(s),
        { ignitionDir: hre.config.paths.ignition, artifacts: hre.artifacts },
        bar,
      );
      bar.finish();
    } catch (e) {
      bar.stop();
      throw e;
    } finally {
      await connection.close();
    }
  });
}
