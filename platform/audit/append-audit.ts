import { sql } from "drizzle-orm";
import type { AppTransaction } from "../db/index.js";
import type { AuditDetails, AuditOutcome, AuditRow, AuditTable } from "./audit-table.js";
import { wakeAuditSealers } from "./audit-wake.js";

/** AuditEntry is what the caller says about one audited action. */
export interface AuditEntry {
  /** Who: `user:<id>`, `api_key:<id>`, `service:<name>` or `anonymous`. */
  readonly actor: string;
  /** What, as `<noun>.<verb in the past>`: `auth.login.failed`, `order.created`. */
  readonly action: string;
  /** On what: `user:<id>`, `order:<id>`; omitted when there is no single target. */
  readonly target?: string | undefined;
  /** How it ended; default `success`. */
  readonly outcome?: AuditOutcome | undefined;
  /** The request's `x-request-id` (requestIdKey), to find its log lines. */
  readonly requestId?: string | undefined;
  /** Identifiers and changed field names; never secrets. Default `{}`. */
  readonly details?: AuditDetails | undefined;
}

/**
 * appendAudit inserts one unsealed row into an audit table inside `tx`, the
 * transaction that makes the audited change: both commit or neither does (a
 * rolled-back change leaves no audit row, and no audited change commits
 * without one). It is a plain INSERT: no lock, no read of the chain, so
 * audited transactions never wait on each other. `time` is the server's
 * clock at the insert.
 *
 * The row is chained later, by the service's sealer (startAuditSealer),
 * which this call wakes: `seq`, `prev_hash` and `hash` are NULL in the row
 * returned. One round trip, as a prepared statement (postgres.js caches it
 * per connection; unprepared, a parameterized statement costs a Describe
 * round trip first).
 */
export async function appendAudit<TSchema extends Record<string, unknown>>(
  tx: AppTransaction<TSchema>,
  table: AuditTable,
  entry: AuditEntry,
): Promise<AuditRow> {
  const [row] = await tx
    .insert(table)
    .values({
      time: sql`clock_timestamp()`,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome ?? "success",
      requestId: entry.requestId || null,
      details: entry.details ?? {},
    })
    .returning()
    .prepare("audit_append")
    .execute();
  wakeAuditSealers(table);
  return row!;
}
