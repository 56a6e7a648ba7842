/**
 * The cost of a transaction, one model for analysis (critical path, dependency limit) and
 * simulation (makespans): gas where the input has it; inputs without gas (EIP-7928 BALs) get
 * a stated model instead of zeros.
 */
import type { BlockAccess, TxAccess } from "../access/format.js";
import { UsageError } from "../errors.js";

/** "auto" picks gasUsed where the block has gas, else "accesses". */
export const COST_MODELS = ["auto", "gasUsed", "accesses", "unit"] as const;

/** The help text of every task's --cost option. */
export const COST_HELP =
  'Cost per tx: "auto" (gas where the input has it, else "accesses"), "gasUsed", "accesses" (distinct locations touched), "unit" or a column of tx.costs';

export interface CostChoice {
  /** "gasUsed", "accesses", "unit" or a column of tx.costs. */
  column: string;
  /** Says which model was used and why, for every output; undefined for plain gas. */
  note?: string;
}

/** The distinct locations a transaction touches (the "accesses" cost model). */
function accessCount(tx: Pick<TxAccess, "storage" | "accounts">): number {
  const keys = new Set<string>();
  for (const list of [tx.storage.reads, tx.storage.writes, tx.accounts.reads, tx.accounts.writes])
    for (const [a, f] of list) keys.add(`${a}:${f}`);
  return keys.size;
}

/** Decides the cost model of a block: `requested` as given, or for "auto" gas when the block has any. */
export function chooseCost(block: Pick<BlockAccess, "number" | "txs">, requested = "auto"): CostChoice {
  if (requested !== "auto") {
    if (requested === "gasUsed" && block.txs.length > 0 && block.txs.every((t) => t.gasUsed === 0))
      return {
        column: requested,
        note: `block ${block.number}: no transaction has gas; under --cost gasUsed no speedup can be given (use --cost accesses or unit)`,
      };
    if (requested === "accesses")
      return { column: requested, note: "cost model: one unit per distinct location a transaction touches (--cost accesses)" };
    if (requested === "unit") return { column: requested, note: "cost model: every transaction costs 1 (--cost unit)" };
    return { column: requested };
  }
  if (block.txs.length === 0 || block.txs.some((t) => t.gasUsed > 0)) return { column: "gasUsed" };
  return {
    column: "accesses",
    note: `block ${block.number}: the input has no per-transaction gas (EIP-7928 BAL); cost model: one unit per distinct location a transaction touches (pass --cost unit for one per transaction)`,
  };
}

/** The cost of one transaction under `column` (see chooseCost); a missing tx.costs column is a UsageError. */
export function txCost(tx: TxAccess, column: string, block: number): number {
  if (column === "gasUsed") return tx.gasUsed;
  if (column === "accesses") return accessCount(tx);
  if (column === "unit") return 1;
  const v = tx.costs?.[column];
  if (v === undefined) {
    const available = ["gasUsed", "accesses", "unit", ...Object.keys(tx.costs ?? {})].join(", ");
    throw new UsageError(`block ${block} tx ${tx.index} has no cost column "${column}" (it has: ${available})`, {
      hint: `pass --cost with one of those, or add "${column}" to every tx's costs`,
    });
  }
  return v;
}
