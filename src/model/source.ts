/**
 * The one source interface: every producer of access sets (WorkloadSource, src/capture/rpc.ts;
 * BalSource, src/capture/bal.ts; ReplaySource, src/replay/files.ts; NodeSource,
 * src/replay/capture.ts) yields blocks of the access-set format; `captureFile` assembles and
 * validates the file. A new source builds each transaction's TxAccess with the one conversion
 * (src/model/convert.ts) or from a VM's journal.
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
