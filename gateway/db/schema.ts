import { sql } from "drizzle-orm";
import { check, index, integer, pgSchema, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * gateway is the Postgres schema the gateway owns, beside the services'
 * own schemas when they share a database.
 */
export const gateway = pgSchema("gateway");

/**
 * idempotencyKeys remembers POST/PATCH requests sent with an
 * `Idempotency-Key` (gateway/edge/idempotency-store.ts): one row per
 * (scope, key), where scope is the principal (`user:<id>`, `key:<id>`),
 * as Stripe scopes keys per account. A row is `in_flight` while its first
 * request runs, held until `locked_until` (so a crashed gateway does not
 * block the key forever), then `done` with the response to replay.
 * Rows are deleted after the retention period (IDEMPOTENCY_RETENTION_MS).
 */
export const idempotencyKeys = gateway.table(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the request's canonical parameters (idempotencyFingerprint). */
    fingerprint: text("fingerprint").notNull(),
    state: text("state", { enum: ["in_flight", "done"] }).notNull(),
    lockedUntil: timestamp("locked_until", { withTimezone: true, mode: "date" }),
    responseStatus: integer("response_status"),
    responseContentType: text("response_content_type"),
    responseBody: text("response_body"),
    createTime: timestamp("create_time", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.scope, table.key] }),
    // The cleaner deletes by age.
    index("idempotency_keys_create_time_idx").on(table.createTime),
    check(
      "idempotency_keys_state_check",
      sql`(${table.state} = 'in_flight' and ${table.lockedUntil} is not null) or (${table.state} = 'done' and ${table.responseStatus} is not null and ${table.responseBody} is not null)`,
    ),
    check("idempotency_keys_key_length_check", sql`char_length(${table.key}) between 1 and 255`),
  ],
);

/** IdempotencyKeyRow is one row of {@link idempotencyKeys}. */
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
