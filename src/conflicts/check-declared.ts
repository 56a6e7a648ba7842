/**
 * Declared vs observed: every observed storage access of a transaction must be covered by its
 * declared access list (IAccessDeclaring). The coverage rule is the locks scheduler's, applied
 * once in `prepareBlock` (src/schedule/block.ts): "*" covers a whole account, a SNAPSHOT slot
 * covers a write, and the snapshot-taker rule applies (a follower that reads an input of a
 * snapshot an earlier transaction took is not covered). Account fields are not declared and
 * not checked. Over-declaration (declared slots never touched) is reported here.
 */
import type { AccessSetFile } from "../access/format.js";
import { locationKey } from "../model/location.js";
import { prepareBlock } from "../schedule/block.js";
import { txFunctionLabel } from "../model/block.js";

export interface UncoveredAccess {
  block: number;
  index: number;
  hash: string | null;
  function: string;
  account: string;
  slot: string;
  /** Decoded slot name where known. */
  name: string | null;
  /** "write" when the tx wrote a slot declared READ only (or not at all); "read" otherwise. */
  access: "read" | "write";
  /** What the declaration said about it: "none" or "read". */
  declared: "none" | "read";
}

export interface TxDeclarationReport {
  block: number;
  index: number;
  hash: string | null;
  function: string;
  /** Declared exact slots (not "*") the tx did not touch. */
  unused: { account: string; slot: string; name: string | null }[];
  declaredSlots: number;
  /** unused.length / declaredSlots (0 when nothing exact is declared). */
  overDeclaration: number;
}

export interface DeclarationCheck {
  checkedTxs: number;
  /** Transactions with no `declared` field (not checked). */
  undeclaredTxs: number;
  uncovered: UncoveredAccess[];
  txs: TxDeclarationReport[];
  /** Over all checked txs: unused exact declared slots / exact declared slots. */
  overDeclaration: number;
  ok: boolean;
}

export function checkDeclared(file: AccessSetFile): DeclarationCheck {
  const slotNames = file.names?.slots ?? {};
  const accountNames = file.names?.accounts ?? {};
  const uncovered: UncoveredAccess[] = [];
  const txs: TxDeclarationReport[] = [];
  let checked = 0,
    undeclared = 0,
    declaredTotal = 0,
    unusedTotal = 0;
  for (const block of file.blocks) {
    const fnOf = (tx: (typeof block.txs)[number]) => txFunctionLabel(tx, (a) => accountNames[a]);
    for (const u of prepareBlock(block).underDeclared) {
      const tx = block.txs[u.tx];
      uncovered.push({
        block: block.number,
        index: tx.index,
        hash: tx.hash,
        function: fnOf(tx),
        account: u.address,
        slot: u.slot,
        name: slotNames[locationKey(u.address, u.slot)] ?? null,
        access: u.access,
        declared: u.declared,
      });
    }
    for (const tx of block.txs) {
      if (!tx.declared) {
        undeclared++;
        continue;
      }
      checked++;
      const fn = fnOf(tx);
      const read = new Set<string>();
      const write = new Set<string>();
      for (const [a, s] of tx.declared.reads) if (s !== "*") read.add(locationKey(a, s));
      for (const [a, s] of tx.declared.writes) if (s !== "*") write.add(locationKey(a, s));
      for (const [a, s] of tx.declared.snapshots ?? []) write.add(locationKey(a, s));
      const used = new Set<string>();
      for (const [a, s] of [...tx.storage.reads, ...tx.storage.writes]) used.add(locationKey(a, s));
      const exact = new Set([...read, ...write]);
      const unused = [...exact]
        .filter((r) => !used.has(r))
        .map((r) => {
          const [account, slot] = r.split(":") as [string, string];
          return { account, slot, name: slotNames[r] ?? null };
        });
      declaredTotal += exact.size;
      unusedTotal += unused.length;
      txs.push({
        block: block.number,
        index: tx.index,
        hash: tx.hash,
        function: fn,
        unused,
        declaredSlots: exact.size,
        overDeclaration: exact.size === 0 ? 0 : unused.length / exact.size,
      });
    }
  }
  return {
    checkedTxs: checked,
    undeclaredTxs: undeclared,
    uncovered,
    txs,
    overDeclaration: declaredTotal === 0 ? 0 : unusedTotal / declaredTotal,
    ok: uncovered.length === 0,
  };
}

export function renderDeclarationCheck(c: DeclarationCheck): string {
  const lines: string[] = [];
  lines.push(`Checked ${c.checkedTxs} transactions with a declared access list (${c.undeclaredTxs} without one, not checked).`);
  if (c.uncovered.length === 0) lines.push("Under-declaration: none; every observed storage access is declared.");
  else {
    lines.push(`Under-declaration: ${c.uncovered.length} observed access(es) not covered by the declaration:`);
    for (const u of c.uncovered.slice(0, 100))
      lines.push(
        `  ERROR block ${u.block} tx ${u.index}${u.hash ? ` (${u.hash})` : ""} ${u.function}: ${u.access} of ${u.name ?? `${u.account} slot ${u.slot}`}` +
          ` (${u.name ? `${u.account} ${u.slot}, ` : ""}declared: ${u.declared})`,
      );
    if (c.uncovered.length > 100) lines.push(`  ... and ${c.uncovered.length - 100} more`);
  }
  lines.push(`Over-declaration: ${(c.overDeclaration * 100).toFixed(1)}% of exactly declared slots were not touched.`);
  const worst = c.txs.filter((t) => t.unused.length > 0).sort((a, b) => b.overDeclaration - a.overDeclaration);
  for (const t of worst.slice(0, 20))
    lines.push(
      `  block ${t.block} tx ${t.index} ${t.function}: ${t.unused.length}/${t.declaredSlots} declared slots unused (${(t.overDeclaration * 100).toFixed(0)}%): ` +
        t.unused
          .slice(0, 5)
          .map((u) => u.name ?? `${u.account}:${u.slot}`)
          .join(", ") +
        (t.unused.length > 5 ? ", ..." : ""),
    );
  return lines.join("\n");
}
