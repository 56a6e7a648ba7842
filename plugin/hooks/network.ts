/**
 * While `conflicts capture tests` runs, every request that may mine a block is followed by a
 * read of the new blocks (plugin/test-capture.ts). Otherwise the hook only passes requests on.
 */
import type { HookContext, NetworkHooks } from "hardhat/types/hooks";
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import type { JsonRpcRequest, JsonRpcResponse } from "hardhat/types/providers";
import { activeTestCapture } from "../test-capture.js";

let internalId = 0;

export default async (): Promise<Partial<NetworkHooks>> => ({
  async newConnection<ChainTypeT extends ChainType | string>(
    context: HookContext,
    next: (c: HookContext) => Promise<NetworkConnection<ChainTypeT>>,
  ): Promise<NetworkConnection<ChainTypeT>> {
    const conn = await next(context);
    activeTestCapture()?.noteConnection(conn as NetworkConnection);
    return conn;
  },

  async onRequest<ChainTypeT extends ChainType | string>(
    context: HookContext,
    conn: NetworkConnection<ChainTypeT>,
    request: JsonRpcRequest,
    next: (c: HookContext, n: NetworkConnection<ChainTypeT>, r: JsonRpcRequest) => Promise<JsonRpcResponse>,
  ): Promise<JsonRpcResponse> {
    const response = await next(context, conn, request);
    const session = activeTestCapture();
    if (session === undefined) return response;
    // Our own requests go straight to the node, past this hook.
    const node = {
      async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
        const r = await next(context, conn, { jsonrpc: "2.0", id: `disjoint-${++internalId}`, method, params: params ?? [] });
        if ("error" in r && r.error !== undefined) throw new Error(`${method}: ${r.error.message}`);
        return (r as { result: unknown }).result;
      },
    };
    await session.afterRequest(conn as NetworkConnection, request.method, node);
    return response;
  },
});
