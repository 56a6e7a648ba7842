/**
 * Capture sources: anything that yields per-transaction access sets. A source produces
 * blocks of the access-set format; `captureFile` assembles and validates the file.
 *
 * Plugging in a new source (e.g. the ethereumjs replay of src/replay/): implement
 * `AccessSource`, build each transaction's TxAccess (from a geth-style prestate pair with
 * `accessFromPrestate` (src/model/convert.ts), or directly from the VM's journal), and pass it to `captureFile`.
 */
import type { AccessSetFile, BlockAccess, Names, Precision, SourceKind } from "../access/format.js";
import { parseAccessSetFile } from "../access/io.js";

export interface AccessSource {
  readonly kind: SourceKind;
  /** One line saying what was captured (workload name, block range, file). */
  readonly description: string;
  readonly precision: Precision;
  readonly chainId?: number;
  /** Blocks in order; each transaction's index is its position in its block. */
  blocks(): AsyncIterable<BlockAccess>;
  /** Names the source learned (decoded slots, contract names), if any; called after blocks(). */
  names?(): Names | undefined;
}

/** Drains a source into a validated access-set file. */
export async function captureFile(source: AccessSource): Promise<AccessSetFile> {
  const blocks: BlockAccess[] = [];
  for await (const b of source.blocks()) blocks.push(b);
  const file: AccessSetFile = {
    format: "disjoint.access-sets",
    version: 1,
    source: {
      kind: source.kind,
      description: source.description,
      ...(source.chainId !== undefined ? { chainId: source.chainId } : {}),
    },
    precision: source.precision,
    blocks,
  };
  const names = source.names?.();
  if (names && (Object.keys(names.accounts ?? {}).length > 0 || Object.keys(names.slots ?? {}).length > 0)) file.names = names;
  return parseAccessSetFile(file, `<${source.kind} capture>`);
}

/** Merges names into a file (later names win). */
export function withNames(file: AccessSetFile, names: Names): AccessSetFile {
  return {
    ...file,
    names: {
      accounts: { ...file.names?.accounts, ...names.accounts },
      slots: { ...file.names?.slots, ...names.slots },
    },
  };
}
