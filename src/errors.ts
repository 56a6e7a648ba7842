/**
 * The one error model of disjoint. Every error a user can cause (a bad option, a bad input
 * file, a node that cannot answer) is a `DisjointError`: a short message, optional details
 * (one line each), a hint naming the fix, and the error that caused it. Anything else thrown
 * from src/ is a bug, and the task wrapper (tasks/user-error.ts) shows its stack trace.
 */

export interface ErrorInfo {
  /** Extra lines: which entries, fields or values are wrong. */
  details?: readonly string[];
  /** What to do about it ("pass --block N", "run npx hardhat build first"). */
  hint?: string;
  /** The underlying error (an fs error, a JSON syntax error, a node's answer). */
  cause?: unknown;
}

/** Base class of every user-facing error: message, details, hint and cause chain. */
export class DisjointError extends Error {
  readonly details: readonly string[];
  readonly hint: string | undefined;

  constructor(message: string, info: ErrorInfo = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = new.target.name;
    this.details = info.details ?? [];
    this.hint = info.hint;
  }

  /** The whole story in plain text: message, details, hint and the causes below it. */
  describe(): string {
    const lines = [this.message, ...this.details.map((d) => `  ${d}`)];
    if (this.hint !== undefined) lines.push(`fix: ${this.hint}`);
    for (const c of causeChain(this).slice(1)) lines.push(`caused by: ${c}`);
    return lines.join("\n");
  }
}

/** A bad command-line option or API argument (value out of range, unknown name, missing value). */
export class UsageError extends DisjointError {}

/** An input file or data set that cannot be used as given (missing, unreadable, malformed, inconsistent). */
export class InputError extends DisjointError {}

/** A node, RPC endpoint or external tool that did not answer as required. */
export class NodeError extends DisjointError {}

/** The messages of an error and of every error in its `cause` chain, outermost first. */
export function causeChain(e: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  for (let c: unknown = e; c !== undefined && c !== null && !seen.has(c); c = (c as { cause?: unknown }).cause) {
    seen.add(c);
    out.push(c instanceof Error ? c.message : String(c));
    if (!(c instanceof Error)) break;
  }
  return out;
}

/** True for errors the user can fix (print one message, exit 1); false for bugs (keep the stack). */
export function isUserError(e: unknown): e is DisjointError {
  return e instanceof DisjointError;
}

/** The message of an unknown thrown value, for wrapping as a cause. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
