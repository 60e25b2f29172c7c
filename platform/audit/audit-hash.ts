import { createHash } from "node:crypto";
import type { SealedAuditRow } from "./audit-table.js";
import { canonicalJson } from "./canonical-json.js";

/** genesisHash is the `prev_hash` of the first row of every audit chain: 64 zeros. */
export const genesisHash = "0".repeat(64);

/**
 * auditHashFormat tags the encoding below; a future encoding gets a new tag,
 * so rows hashed the old way stay verifiable.
 */
export const auditHashFormat = "protoplane.audit.v1";

/**
 * AuditHashInput is every column of a sealed audit row except its own `hash`
 * and `id` (which only orders insertion, and is not part of the chain).
 */
export type AuditHashInput = Omit<SealedAuditRow, "hash" | "id">;

/**
 * auditHash is the `hash` of an audit row: the lowercase hex SHA-256
 * (FIPS 180-4) of the UTF-8 bytes of this JSON array, written in RFC 8785
 * canonical form (no whitespace, object keys sorted; see canonicalJson):
 *
 *     ["protoplane.audit.v1", prev_hash, seq, time, actor, action, target,
 *      outcome, request_id, details]
 *
 * where `seq` is a decimal string ("17"), `time` is ISO 8601 UTC with
 * milliseconds ("2025-05-01T12:00:00.123Z", in SQL:
 * `to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`),
 * `target` and `request_id` are strings or null, and `details` is the jsonb
 * object. An outside tool recomputes it from a plain `select`, without our
 * code; docs/operating.md has a Python version.
 */
export function auditHash(row: AuditHashInput): string {
  const encoded = canonicalJson([
    auditHashFormat,
    row.prevHash,
    String(row.seq),
    row.time.toISOString(),
    row.actor,
    row.action,
    row.target,
    row.outcome,
    row.requestId,
    row.details,
  ]);
  return createHash("sha256").update(encoded, "utf8").digest("hex");
}
