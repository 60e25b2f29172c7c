import { createHash } from "node:crypto";
import { asc, desc, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import type { AppDatabase, AppTransaction } from "../db/index.js";
import { auditHash, genesisHash } from "./audit-hash.js";
import type { AuditTable } from "./audit-table.js";

/** SealOptions configure {@link sealAudit}. */
export interface SealOptions {
  /** Rows sealed per transaction; default 500. */
  readonly batchSize?: number | undefined;
}

/**
 * sealAudit chains every committed unsealed row of an audit table, in
 * batches of `batchSize`, and returns how many it sealed. Each batch is one
 * short transaction: a transaction-scoped advisory lock on the table (so
 * sealers in several replicas take turns and `seq` has no gaps), the chain's
 * head, the oldest unsealed rows by `id` (FOR UPDATE), then one UPDATE that
 * gives each row the next `seq`, the previous row's hash as `prev_hash`, and
 * its own `hash` (auditHash, the documented encoding).
 *
 * The chain's order is the order of sealing: rows committed by one batch
 * are sealed in `id` order, but a row whose transaction commits late is
 * sealed after rows inserted after it, so `time` need not grow along `seq`.
 */
export async function sealAudit(
  db: AppDatabase,
  table: AuditTable,
  options: SealOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let sealed = 0;
  for (;;) {
    const n = await db.transaction((tx) => sealBatch(tx, table, batchSize));
    sealed += n;
    if (n < batchSize) return sealed;
  }
}

async function sealBatch(tx: AppTransaction, table: AuditTable, limit: number): Promise<number> {
  // The head is read after the lock is granted, in its own statement: in
  // READ COMMITTED each statement sees what committed before it started
  // (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED),
  // so it includes the previous sealer's batch.
  await tx.execute(lockQuery(table));
  const [head] = await tx
    .select({ seq: table.seq, hash: table.hash })
    .from(table)
    .where(isNotNull(table.seq))
    .orderBy(desc(table.seq))
    .limit(1);
  const rows = await tx
    .select()
    .from(table)
    .where(isNull(table.seq))
    .orderBy(asc(table.id))
    .limit(limit)
    .for("update");
  if (rows.length === 0) return 0;
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? genesisHash;
  const links = rows.map((row) => {
    const link = { id: row.id, seq: ++seq, prev_hash: prevHash };
    prevHash = auditHash({ ...row, seq: link.seq, prevHash: link.prev_hash });
    return { ...link, hash: prevHash };
  });
  // One statement for the batch. The JSON travels as text: a jsonb-typed
  // parameter would be JSON-encoded a second time by some drivers.
  await tx.execute(sql`update ${table} set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    from jsonb_to_recordset(${JSON.stringify(links)}::text::jsonb)
      as v(id bigint, seq bigint, prev_hash text, hash text)
    where ${table.id} = v.id`);
  return rows.length;
}

const lockQueries = new WeakMap<AuditTable, SQL>();

// The lock key is a per-table 64-bit number: the first 8 bytes of the
// SHA-256 of "protoplane:audit:<schema>.<table>", inlined as a literal.
function lockQuery(table: AuditTable): SQL {
  let query = lockQueries.get(table);
  if (query === undefined) {
    const { schema, name } = getTableConfig(table);
    const digest = createHash("sha256").update(`protoplane:audit:${schema ?? "public"}.${name}`);
    const key = digest.digest().readBigInt64BE(0);
    query = sql`select pg_advisory_xact_lock(${sql.raw(`'${key}'::bigint`)})`;
    lockQueries.set(table, query);
  }
  return query;
}
