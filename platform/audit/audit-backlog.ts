import { isNull, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/index.js";
import type { AuditTable } from "./audit-table.js";

/** AuditBacklog is what the sealer has yet to chain. */
export interface AuditBacklog {
  /** Committed rows not sealed yet. */
  readonly unsealed: number;
  /** Age in ms of the oldest of them (by `time`), 0 when none. */
  readonly oldestMs: number;
}

/**
 * auditBacklog counts an audit table's unsealed rows and the age of the
 * oldest: one query on the partial index of unsealed rows, so it costs the
 * same whatever the length of the chain.
 */
export async function auditBacklog(db: AppDatabase, table: AuditTable): Promise<AuditBacklog> {
  const [row] = await db
    .select({
      unsealed: sql<string | number>`count(*)`,
      ms: sql<
        string | number | null
      >`extract(epoch from clock_timestamp() - min(${table.time})) * 1000`,
    })
    .from(table)
    .where(isNull(table.seq));
  return {
    unsealed: Number(row?.unsealed ?? 0),
    oldestMs: row?.ms == null ? 0 : Math.max(0, Math.round(Number(row.ms))),
  };
}
