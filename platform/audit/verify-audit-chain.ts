import { asc, gt, isNotNull } from "drizzle-orm";
import type { AppDatabase } from "../db/index.js";
import { type AuditBacklog, auditBacklog } from "./audit-backlog.js";
import { auditHash, genesisHash } from "./audit-hash.js";
import type { AuditTable, SealedAuditRow } from "./audit-table.js";

/** AuditAnchor is a chain position recorded outside the database: seq and its hash. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

/** VerifyOptions configure {@link verifyAuditChain}. */
export interface VerifyOptions {
  /** Rows read per query; default 1000. Memory use is bounded by it. */
  readonly batchSize?: number | undefined;
  /** A head recorded earlier: the row at `seq` must still exist and have `hash`. */
  readonly anchor?: AuditAnchor | undefined;
}

/**
 * AuditProblem names how a chain is broken:
 * - `hash_mismatch`: the row's columns no longer hash to its `hash` (row changed);
 * - `seq_gap`: seq numbers are missing (rows deleted);
 * - `prev_hash_mismatch`: the row does not chain to the one before it (a row
 *   before it was deleted and the rest renumbered, or replaced and rehashed);
 * - `anchor_mismatch`: the row at the anchor's seq has another hash (the
 *   chain was rewritten from there on);
 * - `anchor_missing`: the chain ends before the anchor's seq (tail deleted).
 */
export type AuditProblem =
  | "hash_mismatch"
  | "seq_gap"
  | "prev_hash_mismatch"
  | "anchor_mismatch"
  | "anchor_missing";

/** AuditChainReport is the outcome of {@link verifyAuditChain}. */
export type AuditChainReport =
  | {
      readonly ok: true;
      /** Rows checked. */
      readonly rows: number;
      /** The last row, to record as an anchor; undefined for an empty chain. */
      readonly head: AuditAnchor | undefined;
      /** Rows appended but not sealed yet: not part of the chain, so not verified. */
      readonly unsealed: AuditBacklog;
    }
  | {
      readonly ok: false;
      /** Rows checked before the break. */
      readonly rows: number;
      /** The first seq found broken (for a gap: the first missing one). */
      readonly brokenAt: number;
      readonly problem: AuditProblem;
      /** One sentence for an operator. */
      readonly reason: string;
      /** Rows appended but not sealed yet: not part of the chain, so not verified. */
      readonly unsealed: AuditBacklog;
    };

type Link = AuditAnchor | undefined;

/**
 * verifyAuditChain walks the sealed rows of an audit table in seq order, `batchSize` rows at a
 * time (keyset pages, so the table never has to fit in memory and a long
 * walk holds no transaction open), recomputes every hash and checks each row
 * chains to the one before. It stops at the first break. Unsealed rows
 * (appended, not yet chained by the sealer) are counted in `unsealed`, with
 * the oldest's age: a backlog that keeps growing means no sealer runs.
 *
 * A chain alone cannot tell a deleted tail from rows never written, nor a
 * chain rewritten from some row to the head by someone who can write the
 * table: record the reported head outside the database and pass it back as
 * `anchor` to detect both.
 */
export async function verifyAuditChain(
  db: AppDatabase,
  table: AuditTable,
  options: VerifyOptions = {},
): Promise<AuditChainReport> {
  const report = await walkChain(db, table, options);
  return { ...report, unsealed: await auditBacklog(db, table) };
}

type ChainWalk = DistributiveOmit<AuditChainReport, "unsealed">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function walkChain(
  db: AppDatabase,
  table: AuditTable,
  options: VerifyOptions,
): Promise<ChainWalk> {
  const batchSize = options.batchSize ?? 1000;
  let previous: Link;
  let rows = 0;
  for (;;) {
    const batch = (await db
      .select()
      .from(table)
      .where(previous === undefined ? isNotNull(table.seq) : gt(table.seq, previous.seq))
      .orderBy(asc(table.seq))
      .limit(batchSize)) as SealedAuditRow[];
    for (const row of batch) {
      const broken = checkRow(row, previous, options.anchor);
      if (broken !== undefined) return { ok: false, rows, ...broken };
      previous = { seq: row.seq, hash: row.hash };
      rows++;
    }
    if (batch.length < batchSize) return endOfChain(rows, previous, options.anchor);
  }
}

type Break = Pick<Extract<AuditChainReport, { ok: false }>, "brokenAt" | "problem" | "reason">;

// Order matters: a gap explains a prev_hash mismatch, and a row that does
// not chain is reported as such even if its own hash is also wrong.
function checkRow(
  row: SealedAuditRow,
  previous: Link,
  anchor: AuditAnchor | undefined,
): Break | undefined {
  const expectedSeq = (previous?.seq ?? 0) + 1;
  if (row.seq !== expectedSeq) {
    const missing =
      expectedSeq === row.seq - 1 ? `${expectedSeq}` : `${expectedSeq}–${row.seq - 1}`;
    return {
      brokenAt: expectedSeq,
      problem: "seq_gap",
      reason: `seq ${missing} missing (rows deleted)`,
    };
  }
  if (row.prevHash !== (previous?.hash ?? genesisHash)) {
    return {
      brokenAt: row.seq,
      problem: "prev_hash_mismatch",
      reason: "prev_hash is not the hash of the row before (a row was deleted or replaced)",
    };
  }
  if (auditHash(row) !== row.hash) {
    return { brokenAt: row.seq, problem: "hash_mismatch", reason: "hash mismatch (row changed)" };
  }
  if (anchor !== undefined && anchor.seq === row.seq && anchor.hash !== row.hash) {
    return {
      brokenAt: row.seq,
      problem: "anchor_mismatch",
      reason: "hash differs from the recorded anchor (chain rewritten)",
    };
  }
  return undefined;
}

function endOfChain(rows: number, head: Link, anchor: AuditAnchor | undefined): ChainWalk {
  if (anchor !== undefined && anchor.seq > (head?.seq ?? 0)) {
    return {
      ok: false,
      rows,
      brokenAt: (head?.seq ?? 0) + 1,
      problem: "anchor_missing",
      reason: `chain ends before the recorded anchor seq ${anchor.seq} (rows deleted at the tail)`,
    };
  }
  return { ok: true, rows, head };
}
