import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * createAuditTable declares a service's append-only `audit_log` table in the
 * service's own Postgres schema: export it from the service's `db/schema.ts`
 * and drizzle-kit generates the DDL into the service's migrations, beside the
 * trigger that refuses UPDATE, DELETE and TRUNCATE except sealing (see
 * {@link auditTriggerSql}, appended to the same migration).
 *
 * A row is written in two steps. {@link appendAudit} inserts it, in the
 * transaction of the change it records, with `seq`, `prev_hash` and `hash`
 * NULL (unsealed); `id` (an identity column) only orders insertion. The
 * service's sealer (see startAuditSealer) then seals committed rows in
 * batches: it gives each the next `seq` (1, 2, 3…, without gaps: not a
 * sequence, which skips numbers on rollback, so a deleted row shows as a
 * gap), the `hash` of the row sealed before it as `prev_hash`, and its own
 * `hash` covering `prev_hash` and every other column (see {@link auditHash}).
 *
 * Columns: `id`, `seq`, `time` (when the row was inserted: UTC, millisecond
 * precision), `actor` (who: `user:<id>`, `api_key:<id>`, `service:<name>`,
 * `anonymous`), `action` (what: `auth.login.failed`, `order.created`…),
 * `target` (on what: `user:<id>`, `order:<id>`, or null), `outcome`
 * (`success`, `failure`, `denied`), `request_id` (the request's
 * `x-request-id`, or null), `details` (a JSON object, never secrets),
 * `prev_hash` and `hash` (lowercase hex SHA-256).
 */
export function createAuditTable(schema: PgSchema) {
  return schema.table(
    "audit_log",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      seq: bigint("seq", { mode: "number" }),
      time: timestamp("time", { withTimezone: true, mode: "date", precision: 3 }).notNull(),
      actor: text("actor").notNull(),
      action: text("action").notNull(),
      target: text("target"),
      outcome: text("outcome").$type<AuditOutcome>().notNull(),
      requestId: text("request_id"),
      details: jsonb("details").$type<AuditDetails>().notNull(),
      prevHash: text("prev_hash"),
      hash: text("hash"),
    },
    (table) => [
      uniqueIndex("audit_log_seq_key").on(table.seq),
      // The sealer's queue: small, whatever the size of the sealed chain.
      index("audit_log_unsealed_idx")
        .on(table.id)
        .where(sql`${table.seq} is null`),
    ],
  );
}

/** AuditTable is a table made by {@link createAuditTable}. */
export type AuditTable = ReturnType<typeof createAuditTable>;

/** AuditRow is one row of an {@link AuditTable}, sealed or not. */
export type AuditRow = AuditTable["$inferSelect"];

/** SealedAuditRow is a row the sealer has chained: `seq`, `prev_hash` and `hash` are set. */
export type SealedAuditRow = AuditRow & {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
};

/**
 * AuditOutcome says how the audited action ended: `success`, `failure`
 * (it was attempted and failed, e.g. a wrong password), or `denied`
 * (refused by policy before it was attempted).
 */
export type AuditOutcome = "success" | "failure" | "denied";

/**
 * AuditDetails is the free-form part of an audit row: a JSON object of
 * identifiers and changed field names, never secrets (passwords, tokens,
 * key material) and as little personal data as will do.
 */
export type AuditDetails = { readonly [key: string]: AuditJson };

/** AuditJson is a JSON value as it survives a jsonb round trip. */
export type AuditJson =
  | string
  | number
  | boolean
  | null
  | readonly AuditJson[]
  | { readonly [key: string]: AuditJson };
