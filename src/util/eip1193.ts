/** The one thing the engine needs from a node: an EIP-1193 `request` (Hardhat's provider, or any JSON-RPC client). */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}
