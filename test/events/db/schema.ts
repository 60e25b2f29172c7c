import { integer, pgSchema, text } from "drizzle-orm/pg-core";
import { createOutboxTable } from "../../../platform/events/outbox.js";
import { createProcessedEventsTable } from "../../../platform/events/processed-events.js";

/**
 * shop is the schema of a stand-in service for the events tests, shaped as
 * a real service declares its tables: its own state, plus the outbox and
 * processed-events tables from the platform, migrated by drizzle-kit.
 */
export const shop = pgSchema("shop");

/** widgets is the service's own state: how many of each widget shipped. */
export const widgets = shop.table("widgets", {
  widgetId: text("widget_id").primaryKey(),
  shipped: integer("shipped").notNull().default(0),
});

/** outbox holds the events the service recorded, until the relay publishes them. */
export const outbox = createOutboxTable(shop);

/** processedEvents makes the service's event handlers idempotent. */
export const processedEvents = createProcessedEventsTable(shop);
