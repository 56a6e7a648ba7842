/**
 * Child processes for tests that need real servers: the Hardhat CLI (`hardhat node` on a
 * loopback port, `fork serve`, `suite deploy`) in its own process group, so that a kill reaches
 * everything it started, with its output captured; and a minimal JSON-RPC client. Every wait is
 * bounded in time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

export const ROOT = process.cwd();
export const CLI = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What `promise` settles to, or "timeout" after `ms`. The timer is cleared as soon as the race is
 * decided: a bare `Promise.race([p, sleep(ms)])` leaves a live timer that holds the test run open
 * after its summary for up to `ms` (a 240 s one did, in CI).
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `node <args>` (e.g. [CLI, "node", ...]) in its own process group, capturing stdout and stderr. */
export function spawnNode(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0", ...env },
  });
  let text = "";
  child.stdout!.on("data", (d) => (text += d));
  child.stderr!.on("data", (d) => (text += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => text, exited };
}

/** Runs the Hardhat CLI with `args`. */
export const spawnCli = (args: string[], env: Record<string, string> = {}) => spawnNode([CLI, ...args], env);

/** Sends `signal` to the child's whole process group (no-op once it has exited). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Waits (at most `ms`) for `check` to return a value other than undefined; `what` names it in the timeout error. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await sleep(100);
  }
}

/**
 * A JSON-RPC client of one URL; throws on an error answer with its message. Each call opens its
 * own connection (no keep-alive): a reused idle socket that the server closes as the next request
 * goes out fails with "other side closed", which once broke a node restart under load.
 */
export function jsonRpc(url: () => string) {
  let id = 1;
  return async function rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const payload = JSON.stringify({ jsonrpc: "2.0", id: id++, method, params });
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        url(),
        { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (data += c));
          res.on("end", () => resolve(data));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
    const body = JSON.parse(text) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
}

/** Starts `hardhat node` on 127.0.0.1:`port` and waits (at most 90 s) until it answers. */
export async function startHardhatNode(port: number): Promise<Child> {
  const node = spawnCli(["node", "--hostname", "127.0.0.1", "--port", String(port)]);
  const rpc = jsonRpc(() => `http://127.0.0.1:${port}`);
  await waitFor(
    async () => {
      if (node.child.exitCode !== null) throw new Error(`hardhat node exited (${node.child.exitCode}):\n${node.output()}`);
      return rpc("eth_chainId").catch(() => undefined);
    },
    90_000,
    () => `hardhat node on port ${port}:\n${node.output()}`,
  );
  return node;
}
