/**
 * The access-set format: per-transaction storage and account accesses, the one currency
 * that flows through capture -> conflicts -> schedules -> reports. Documented in
 * docs/access-set-format.md; bump FORMAT_VERSION on any incompatible change.
 */
import { z } from "zod";

export const FORMAT_NAME = "disjoint.access-sets";
export const FORMAT_VERSION = 1;

const hex = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `${what}: expected 0x and ${bytes * 2} lowercase hex digits`);

export const Address = hex(20, "address");
export const Slot = hex(32, "storage slot");
/** A declared slot may be "*": every slot of that account (tokens whose layout is unknown). */
export const DeclaredSlot = z.union([Slot, z.literal("*")]);
export const AccountField = z.enum(["balance", "nonce", "code"]);

/** [address, slot]: one storage location. */
export const StorageKey = z.tuple([Address, Slot]);
/** [address, field]: one account-level field. */
export const AccountKey = z.tuple([Address, AccountField]);

export const AccessLists = z
  .object({
    storage: z.object({ reads: z.array(StorageKey), writes: z.array(StorageKey) }).strict(),
    accounts: z.object({ reads: z.array(AccountKey), writes: z.array(AccountKey) }).strict(),
  })
  .strict();

/** What a transaction said beforehand it may touch (IAccessDeclaring), "*" for a whole account. */
export const DeclaredAccess = z
  .object({
    reads: z.array(z.tuple([Address, DeclaredSlot])),
    writes: z.array(z.tuple([Address, DeclaredSlot])),
    /** Per-block snapshot slots (mode SNAPSHOT): idempotent writes that commute with each other. */
    snapshots: z.array(z.tuple([Address, Slot])).optional(),
  })
  .strict();

export const TxAccess = z
  .object({
    index: z.number().int().nonnegative(),
    hash: hex(32, "transaction hash").nullable(),
    /** The sender; null where the input cannot tell it (a BAL transaction that bumps no nonce). */
    from: Address.nullable(),
    to: Address.nullable(),
    /** 4-byte selector of the call, null for plain transfers and creations. */
    selector: hex(4, "selector").nullable(),
    /** Decoded "Contract.function" where known. */
    function: z.string().optional(),
    gasUsed: z.number().int().nonnegative(),
    /** Extra cost columns a simulation may use instead of gasUsed. */
    costs: z.record(z.string(), z.number().nonnegative()).optional(),
    status: z.enum(["success", "reverted"]).optional(),
    /** Observed accesses. A write of an unchanged value is recorded as a read only. */
    ...AccessLists.shape,
    declared: DeclaredAccess.optional(),
  })
  .strict();

export const BlockAccess = z
  .object({
    number: z.number().int().nonnegative(),
    hash: hex(32, "block hash").nullable(),
    /** Fee recipient: every transaction writes its balance; analyses exclude it by default. */
    coinbase: Address,
    gasUsed: z.number().int().nonnegative().optional(),
    timestamp: z.number().int().nonnegative().optional(),
    txs: z.array(TxAccess),
    /** Reads known only per block (EIP-7928 BALs): no transaction is named. */
    blockReads: z.array(StorageKey).optional(),
  })
  .strict();

/** "address:slot", the key of `names.slots`. */
export const SlotRef = z.string().regex(/^0x[0-9a-f]{40}:0x[0-9a-f]{64}$/, "slot reference: expected 0x<40 hex>:0x<64 hex>, lowercase");

/** Decoded names: contract names of accounts, and `Contract.variable[key].field` of slots. */
export const Names = z
  .object({
    accounts: z.record(Address, z.string()).optional(),
    slots: z.record(SlotRef, z.string()).optional(),
  })
  .strict();

export const AccessSetFile = z
  .object({
    format: z.literal(FORMAT_NAME),
    version: z.literal(FORMAT_VERSION),
    source: z
      .object({
        kind: z.enum(["workload", "replay", "bal", "rpc", "synthetic"]),
        description: z.string(),
        chainId: z.number().int().optional(),
      })
      .strict(),
    /** How writes were attributed: "exact" per transaction, or "block" where only per-block data exists. */
    precision: z.object({ reads: z.enum(["tx", "block"]), writes: z.enum(["tx", "block"]) }).strict(),
    blocks: z.array(BlockAccess),
    /** Optional (added in v1, additive): human names for accounts and storage slots. */
    names: Names.optional(),
  })
  .strict();

export type Address = z.infer<typeof Address>;
export type Slot = z.infer<typeof Slot>;
export type StorageKey = z.infer<typeof StorageKey>;
export type AccountKey = z.infer<typeof AccountKey>;
export type AccountField = z.infer<typeof AccountField>;
export type DeclaredAccess = z.infer<typeof DeclaredAccess>;
export type TxAccess = z.infer<typeof TxAccess>;
export type BlockAccess = z.infer<typeof BlockAccess>;
export type AccessSetFile = z.infer<typeof AccessSetFile>;
export type Names = z.infer<typeof Names>;
export type SourceKind = AccessSetFile["source"]["kind"];
export type Precision = AccessSetFile["precision"];
