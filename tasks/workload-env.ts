/** A fresh in-process chain and the DriverEnv a design runs on; shared by the demo and the benchmark. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { userAddress } from "../src/workload/chain.js";
import type { DriverEnv } from "../src/workload/drivers/types.js";

export async function freshWorkloadEnv(hre: HardhatRuntimeEnvironment): Promise<DriverEnv> {
  // network.create gives a new EDR instance each time: designs never see each other's state.
  const { ethers, provider } = await hre.network.create("workload");
  const [deployer] = await ethers.getSigners();
  return {
    chain: provider,
    deployer,
    user: userAddress,
    artifact: async (name: string) => {
      const a = await hre.artifacts.readArtifact(name);
      return { contractName: a.contractName, abi: a.abi as never, bytecode: a.bytecode };
    },
  };
}
