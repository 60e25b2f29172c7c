import { type PgSchema, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { type AppDatabase, type AppTransaction, withTransaction } from "../db/index.js";

/**
 * createProcessedEventsTable declares a service's `processed_events` table
 * in its own schema: one row per (consumer, event) handled, which makes
 * handlers idempotent under the broker's at-least-once delivery.
 */
export function createProcessedEventsTable(schema: PgSchema) {
  return schema.table(
    "processed_events",
    {
      consumer: text("consumer").notNull(),
      eventId: uuid("event_id").notNull(),
      processedAt: timestamp("processed_at", { withTimezone: true, mode: "date" })
        .notNull()
        .defaultNow(),
    },
    (table) => [primaryKey({ columns: [table.consumer, table.eventId] })],
  );
}

/** ProcessedEventsTable is a table made by {@link createProcessedEventsTable}. */
export type ProcessedEventsTable = ReturnType<typeof createProcessedEventsTable>;

/**
 * handleOnce runs `fn` for an event unless `consumer` has handled it
 * before, and records it as handled in the same transaction as `fn`'s
 * writes: either both commit or neither does. It resolves to whether `fn`
 * ran. The marker is inserted first, so a concurrent duplicate delivery
 * waits on its row lock and then skips; `fn` may be re-run on a
 * serialization failure (see withTransaction), so it must only write
 * through `tx`.
 */
export function handleOnce<TSchema extends Record<string, unknown>>(
  db: AppDatabase<TSchema>,
  table: ProcessedEventsTable,
  consumer: string,
  eventId: string,
  fn: (tx: AppTransaction<TSchema>) => Promise<void>,
): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const inserted = await tx
      .insert(table)
      .values({ consumer, eventId })
      .onConflictDoNothing()
      .returning({ eventId: table.eventId });
    if (inserted.length === 0) return false;
    await fn(tx);
    return true;
  });
}
