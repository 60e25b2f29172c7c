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

/** OnceItem is one event for {@link handleEachOnce}: its id, and what handling it writes. */
export interface OnceItem<TSchema extends Record<string, unknown>> {
  readonly eventId: string;
  readonly fn: (tx: AppTransaction<TSchema>) => Promise<void>;
}

/**
 * handleOnce runs `fn` for an event unless `consumer` has handled it
 * before, and records it as handled in the same transaction as `fn`'s
 * writes: either both commit or neither does. It resolves to whether `fn`
 * ran. The marker is inserted first, so a concurrent duplicate delivery
 * waits on its row lock and then skips; `fn` may be re-run on a
 * serialization failure (see withTransaction), so it must only write
 * through `tx`.
 */
export async function handleOnce<TSchema extends Record<string, unknown>>(
  db: AppDatabase<TSchema>,
  table: ProcessedEventsTable,
  consumer: string,
  eventId: string,
  fn: (tx: AppTransaction<TSchema>) => Promise<void>,
): Promise<boolean> {
  const [ran] = await handleEachOnce(db, table, consumer, [{ eventId, fn }]);
  return ran === true;
}

/**
 * handleEachOnce is {@link handleOnce} for several events in one
 * transaction, in order: one marker insert for all of them, each `fn` run
 * unless its event was handled before (or earlier in the same list), one
 * commit. All or nothing: if any `fn` throws, nothing is recorded. It
 * resolves to whether each `fn` ran.
 */
export function handleEachOnce<TSchema extends Record<string, unknown>>(
  db: AppDatabase<TSchema>,
  table: ProcessedEventsTable,
  consumer: string,
  items: readonly OnceItem<TSchema>[],
): Promise<boolean[]> {
  return withTransaction(db, async (tx) => {
    const inserted = await tx
      .insert(table)
      .values(items.map(({ eventId }) => ({ consumer, eventId })))
      .onConflictDoNothing()
      .returning({ eventId: table.eventId });
    const fresh = new Set(inserted.map((row) => uuidKey(row.eventId)));
    const ran: boolean[] = [];
    for (const item of items) {
      const first = fresh.delete(uuidKey(item.eventId));
      if (first) await item.fn(tx);
      ran.push(first);
    }
    return ran;
  });
}

// Postgres returns a uuid in its canonical form; a producer may have
// written it in another accepted spelling (upper case, no hyphens, braces).
function uuidKey(id: string): string {
  return id.toLowerCase().replace(/[^0-9a-f]/g, "");
}
