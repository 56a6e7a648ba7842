/** What a design implements to run a workload: deploy, set the users up, build the block's txs. */
import type { Signer } from "ethers";
import type { Eip1193 } from "../../util/eip1193.js";
import type { Artifact, TxRequest } from "../chain.js";
import type { Operation, PrologueOp, Product, Workload } from "../operations.js";

export interface DriverEnv {
  chain: Eip1193;
  /** A funded account that deploys and funds; never a user of the workload. */
  deployer: Signer;
  artifact(name: string): Promise<Artifact>;
  user(index: number): string;
}

export interface ProductDriver {
  product: Product;
  /** Human name of the system, e.g. "Uniswap V2" or "disjoint DEX". */
  system: string;
  deploy(env: DriverEnv, workload: Workload): Promise<void>;
  /** Gives users what the block's operations need (balances, allowances, positions). */
  setup(env: DriverEnv, ops: readonly Operation[]): Promise<void>;
  /** Last step before the measured block (e.g. the oracle move that makes victims liquidatable). */
  beforeBlock?(env: DriverEnv): Promise<void>;
  /**
   * Transactions the design needs first in the measured block, before the workload's
   * operations (e.g. the settlement of the previous batch); asked for after `beforeBlock`.
   */
  blockPrologue?(env: DriverEnv): { request: TxRequest; op: PrologueOp }[];
  transaction(env: DriverEnv, op: Operation): TxRequest;
  /** Contract addresses by name, for decoding and reports. */
  addresses(): Record<string, string>;
}

/** A whole design: one driver per product it offers. */
export interface Design {
  name: string;
  drivers: Partial<Record<Product, ProductDriver>>;
}
