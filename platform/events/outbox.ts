import type { DescMessage } from "@bufbuild/protobuf";
import { sql } from "drizzle-orm";
import {
  customType,
  index,
  integer,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { EventEnvelope } from "../../gen/platform/v1/event_pb.js";
import type { AppTransaction } from "../db/index.js";
import { currentTraceparent } from "../tracing/traceparent.js";
import { createEnvelope, encodeEnvelope, type NewEvent } from "./event-envelope.js";
import { eventTypeOf } from "./event-type.js";

// drizzle 0.45 has no bytea column. postgres.js returns a Buffer and PGlite a
// Uint8Array; both are Uint8Arrays, so values pass through unchanged, except
// that postgres.js only sends a Buffer as binary.
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
});

/**
 * createOutboxTable declares a service's `outbox` table in the service's own
 * Postgres schema: export it from the service's `db/schema.ts` and
 * drizzle-kit generates the DDL into the service's migrations, so the events
 * a service records are its data like any other table.
 *
 * `payload` is the serialized EventEnvelope, ready to publish; the partial
 * index keeps the relay's "oldest unpublished first" query cheap however
 * many published rows the table keeps.
 */
export function createOutboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      eventId: uuid("event_id").primaryKey(),
      subject: text("subject").notNull(),
      type: text("type").notNull(),
      payload: bytea("payload").notNull(),
      headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
      createdAt: timestamp("created_at", { withTimezone: true, mode: "date" })
        .notNull()
        .defaultNow(),
      publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
    },
    (table) => [
      index("outbox_unpublished_idx")
        .on(table.createdAt, table.eventId)
        .where(sql`published_at is null`),
    ],
  );
}

/** OutboxTable is a table made by {@link createOutboxTable}. */
export type OutboxTable = ReturnType<typeof createOutboxTable>;

/** eventHeader names the headers an event is published with. */
export const eventHeader = Object.freeze({
  /** W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header). */
  traceParent: "traceparent",
  /** The causing request's id, as RPC metadata carries it. */
  requestId: "x-request-id",
  /** The envelope's subject key, for tools that route without decoding. */
  subjectKey: "Pp-Subject-Key",
});

/**
 * writeEvent records an event in the outbox inside `tx`, the transaction
 * that writes the state change it describes: both commit or neither does,
 * and the relay publishes the row afterwards (no dual write). Type, version
 * and subject come from the schema's `(platform.v1.event)` option. Call the
 * relay's `notify()` after the commit to publish without waiting for a poll.
 */
export async function writeEvent<TSchema extends Record<string, unknown>, Desc extends DescMessage>(
  tx: AppTransaction<TSchema>,
  table: OutboxTable,
  event: NewEvent<Desc>,
): Promise<EventEnvelope> {
  const envelope = createEnvelope(
    event.traceParent === undefined ? { ...event, traceParent: currentTraceparent() } : event,
  );
  const { type, subject } = eventTypeOf(event.schema);
  await tx.insert(table).values({
    eventId: envelope.eventId,
    subject,
    type,
    payload: encodeEnvelope(envelope),
    headers: headersOf(envelope),
    createdAt: writeTime,
  });
  return envelope;
}

// The relay publishes oldest `created_at` first, so it must be when the row
// was written, not the column default `now()`, which is when the transaction
// began: a transaction that began first but waited for the entity's row lock
// writes the later event, and must not sort before it
// (https://www.postgresql.org/docs/current/functions-datetime.html#FUNCTIONS-DATETIME-CURRENT).
const writeTime = sql`clock_timestamp()`;

function headersOf(envelope: EventEnvelope): Record<string, string> {
  const headers: Record<string, string> = { [eventHeader.subjectKey]: envelope.subjectKey };
  if (envelope.traceParent !== "") headers[eventHeader.traceParent] = envelope.traceParent;
  if (envelope.requestId !== "") headers[eventHeader.requestId] = envelope.requestId;
  return headers;
}
