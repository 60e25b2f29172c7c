/**
 * Processed-events markers do not grow forever: each consumer's markers of
 * events older than its retention are deleted, along the primary key
 * (event ids are UUIDv7, ordered by creation time), and no others.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventTypeOf } from "../../platform/events/event-type.js";
import {
  pruneProcessedEvents,
  startProcessedEventsPruner,
  uuidV7Before,
} from "../../platform/events/processed-events-pruner.js";
import { defineConsumer, eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { startEvents } from "../../platform/service/start-events.js";
import { processedEvents } from "./db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "./shop-fixture.js";

const DAY = 24 * 3_600_000;
const logger = createLogger({ service: "pruner-test", level: "silent" });
let database: ShopDatabase;

beforeAll(async () => {
  database = await openShopDatabase();
});
afterAll(async () => {
  await database?.drop();
});

// An event id made `ageMs` ago: its time, then random bits, as uuidv7 does.
function idAged(ageMs: number): string {
  const time = uuidV7Before(Date.now() - ageMs).slice(0, 13);
  const random = randomBytes(8).toString("hex");
  return `${time}-7${random.slice(0, 3)}-a${random.slice(3, 6)}-${random.slice(4, 16)}`;
}

async function markers(consumer: string): Promise<string[]> {
  const rows = await database.db
    .select({ eventId: processedEvents.eventId })
    .from(processedEvents)
    .where(eq(processedEvents.consumer, consumer));
  return rows.map((r) => r.eventId).sort();
}

describe("processed-events pruning", () => {
  it("orders a cutoff below every id made since", () => {
    const cutoff = uuidV7Before(Date.now());
    for (let i = 0; i < 100; i++) expect(uuidv7() > cutoff).toBe(true);
    expect(idAged(2 * DAY) < uuidV7Before(Date.now() - DAY)).toBe(true);
  });

  it("deletes one consumer's markers older than its retention, and nothing else", async () => {
    const old = [idAged(10 * DAY), idAged(9 * DAY)];
    const recent = [idAged(7 * DAY), uuidv7()];
    const other = [idAged(10 * DAY)];
    await database.db
      .insert(processedEvents)
      .values([
        ...[...old, ...recent].map((eventId) => ({ consumer: "pruned", eventId })),
        ...other.map((eventId) => ({ consumer: "other", eventId })),
      ]);
    const target = { processed: processedEvents, consumer: "pruned", retainMs: 8 * DAY };
    expect(await pruneProcessedEvents(database.db, target)).toBe(2);
    expect(await markers("pruned")).toEqual([...recent].sort());
    expect(await markers("other")).toEqual(other);
  });

  it("prunes once as it starts, then hourly", async () => {
    const old = idAged(30 * DAY);
    await database.db.insert(processedEvents).values({ consumer: "started", eventId: old });
    const pruner = startProcessedEventsPruner(
      database.db,
      [{ processed: processedEvents, consumer: "started", retainMs: 8 * DAY }],
      logger,
    );
    await pruner.stop();
    expect(await markers("started")).toEqual([]);
  });

  it("runs for each subscription of a service, keeping markers of a stream that keeps everything", async () => {
    const shop = createShop(`shop_${randomBytes(3).toString("hex")}`);
    const subject = eventTypeOf(shop.schema).subject;
    const run = async (maxAgeMs: number | undefined, durable: string) => {
      const stream = eventStream(shop.source, maxAgeMs === undefined ? {} : { maxAgeMs });
      const consumer = defineConsumer({ durable, stream: stream.name, filterSubject: subject });
      const old = idAged(30 * DAY);
      await database.db.insert(processedEvents).values({ consumer: durable, eventId: old });
      const events = await startEvents(
        "shop",
        {
          streams: [stream],
          subscriptions: (db) => [
            {
              consumer,
              schema: shop.schema,
              db,
              processed: processedEvents,
              handler: async () => {},
            },
          ],
        },
        database.db,
        { natsUrl: undefined, logger },
      );
      await events.stop();
      return markers(durable);
    };
    expect(await run(undefined, "pruned_by_service")).toEqual([]);
    expect(await run(0, "kept_by_service")).toHaveLength(1);
  });
});
