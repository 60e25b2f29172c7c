import { fileURLToPath } from "node:url";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { sql } from "drizzle-orm";
import { type AppTransaction, runMigrations, withTransaction } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import type { EventBroker, PublishOptions } from "../../platform/events/broker.js";
import { writeEvent } from "../../platform/events/outbox.js";
import { createTestEventSchema, type TestEvent } from "../../platform/events/test-event-schema.js";
import * as schema from "./db/schema.js";

/** migrationsFolder holds the stand-in service's drizzle-kit migrations. */
export const migrationsFolder = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** ShopDatabase is a migrated throwaway database of the stand-in service. */
export type ShopDatabase = TestDatabase<typeof schema>;

/** openShopDatabase creates a test database and applies the service's migrations. */
export async function openShopDatabase(): Promise<ShopDatabase> {
  const database = await createTestDatabase(schema);
  await runMigrations(database, migrationsFolder, { service: "shop" });
  return database;
}

/** Shop is the stand-in service: a source name and its WidgetShipped event. */
export interface Shop {
  readonly source: string;
  readonly schema: DescMessage;
  ship(db: ShopDatabase["db"], widgetId: string, quantity: number, fail?: boolean): Promise<string>;
  /** Ships inside a transaction the caller runs; resolves to the event id. */
  shipIn(tx: ShopTransaction, widgetId: string, quantity: number): Promise<string>;
}

/** ShopTransaction is a transaction on a {@link ShopDatabase}. */
export type ShopTransaction = AppTransaction<typeof schema>;

/**
 * createShop names the service `source` (unique per run on a shared NATS)
 * and ships widgets the way a service records a state change: the update
 * and its event in one transaction, which `fail` aborts after both writes.
 */
export function createShop(source: string): Shop {
  const eventSchema = createTestEventSchema(`${source}.widget.shipped`);
  const shipIn = async (tx: ShopTransaction, widgetId: string, quantity: number) => {
    await tx
      .insert(schema.widgets)
      .values({ widgetId, shipped: quantity })
      .onConflictDoUpdate({
        target: schema.widgets.widgetId,
        set: { shipped: sql`${schema.widgets.shipped} + ${quantity}` },
      });
    const message = create(eventSchema, { widgetId, quantity } as Partial<TestEvent>);
    const envelope = await writeEvent(tx, schema.outbox, {
      schema: eventSchema,
      message,
      subjectKey: widgetId,
      source,
    });
    return envelope.eventId;
  };
  return {
    source,
    schema: eventSchema,
    shipIn,
    ship: (db, widgetId, quantity, fail = false) =>
      withTransaction(db, async (tx) => {
        const eventId = await shipIn(tx, widgetId, quantity);
        if (fail) throw new Error("rolled back on purpose");
        return eventId;
      }),
  };
}

/** Recorded is one publish a {@link recordingBroker} saw go through. */
export interface Recorded {
  readonly subject: string;
  readonly msgId: string;
  readonly headers: PublishOptions["headers"];
}

/**
 * recordingBroker wraps a broker to count publishes before any dedupe, and
 * to fail the first `failures` of them as an unreachable broker would.
 */
export function recordingBroker(inner: EventBroker, failures = 0) {
  const published: Recorded[] = [];
  let failed = 0;
  const broker: EventBroker = {
    ...inner,
    async publish(subject, data, options) {
      if (failed < failures) {
        failed++;
        throw new Error(`broker unavailable (${failed})`);
      }
      const ack = await inner.publish(subject, data, options);
      published.push({ subject, msgId: options.msgId, headers: options.headers });
      return ack;
    },
  };
  return { broker, published, failedCount: () => failed };
}
