import { type AuditCaller, type AuditEntry, appendAudit } from "../../../platform/audit/index.js";
import type { AppTransaction } from "../../../platform/db/index.js";
import type * as schema from "../db/schema.js";
import { auditLog } from "../db/schema.js";

/** IdentityTx is a transaction on identity's tables. */
export type IdentityTx = AppTransaction<typeof schema>;

/** AuditEvent is an audit entry without the caller, which {@link recordAudit} adds. */
export type AuditEvent = Omit<AuditEntry, "actor" | "requestId">;

/**
 * recordAudit appends a row to `identity.audit_log` inside `tx`, the
 * transaction of the change it records, so both commit or neither does;
 * the service's sealer chains it shortly after commit.
 */
export function recordAudit(tx: IdentityTx, caller: AuditCaller, event: AuditEvent) {
  return appendAudit(tx, auditLog, { ...caller, ...event });
}
