import { randomBytes } from "node:crypto";
import { eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withTransaction } from "../../platform/db/index.js";
import type { EventBroker } from "../../platform/events/broker.js";
import { eventTypeOf } from "../../platform/events/event-type.js";
import { startOutboxRelay } from "../../platform/events/outbox-relay.js";
import { subscribe } from "../../platform/events/subscribe.js";
import { defineConsumer, defineTopology, eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { brokerKinds } from "./broker-fixture.js";
import { outbox, processedEvents, widgets } from "./db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "./shop-fixture.js";

const logger = createLogger({ service: "subscribe-batch-test", level: "silent" });
const waitFor = (check: () => Promise<void>) =>
  vi.waitFor(check, { timeout: 15_000, interval: 50 });
const events = 40;

// A consumer that starts behind a backlog, as after a deploy or an outage:
// it catches up in batches, one transaction each, and a bad message among
// them fails alone.
describe.each(brokerKinds)("subscribe catching up on $name", (kind) => {
  const run = randomBytes(3).toString("hex");
  const shop = createShop(`shopb_${run}`);
  const stream = eventStream(shop.source);
  const deadLetters = { stream: `DLQ_SUBB_${run.toUpperCase()}`, subjectPrefix: `dlq_subb_${run}` };
  const consumer = defineConsumer({
    durable: "ledger_widget_shipped",
    stream: stream.name,
    filterSubject: eventTypeOf(shop.schema).subject,
    batchSize: 25,
    maxDeliver: 2,
    backoffMs: [50],
  });
  let shopDb: ShopDatabase;
  let ledgerDb: ShopDatabase;
  let broker: EventBroker;

  beforeAll(async () => {
    [shopDb, ledgerDb] = await Promise.all([openShopDatabase(), openShopDatabase()]);
    broker = await kind.open(deadLetters);
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
  });
  afterAll(async () => {
    await broker?.close();
    await kind.deleteStreams([stream.name, deadLetters.stream]);
    await Promise.all([shopDb?.drop(), ledgerDb?.drop()]);
  });

  it("handles the backlog in few transactions, each event once, the bad message alone", async () => {
    // The backlog: 40 events committed together and published, one of them
    // delivered twice (a lost ack), and a message that does not decode.
    const ids = await withTransaction(shopDb.db, async (tx) => {
      const written: string[] = [];
      for (let i = 0; i < events; i++) written.push(await shop.shipIn(tx, `w-${i}`, i + 1));
      return written;
    });
    const relay = startOutboxRelay({ db: shopDb.db, table: outbox, broker, logger, pollMs: 20 });
    await waitFor(async () => {
      expect(await shopDb.db.$count(outbox, isNull(outbox.publishedAt))).toBe(0);
    });
    await relay.stop();
    const [again] = await shopDb.db.select().from(outbox).where(eq(outbox.eventId, ids[7]!));
    await broker.publish(again!.subject, again!.payload, { msgId: `again-${ids[7]}` });
    await broker.publish(consumer.filterSubject, new Uint8Array([0xff, 0x01]), { msgId: "junk" });

    let handled = 0;
    const subscription = subscribe(broker, {
      consumer,
      schema: shop.schema,
      db: ledgerDb.db,
      processed: processedEvents,
      handler: async (event, _envelope, tx) => {
        handled++;
        const { widgetId, quantity } = event as unknown as { widgetId: string; quantity: number };
        // A second run for one event would add 1000: visible below.
        await tx
          .insert(widgets)
          .values({ widgetId, shipped: quantity })
          .onConflictDoUpdate({
            target: widgets.widgetId,
            set: { shipped: sql`${widgets.shipped} + 1000` },
          });
      },
    });
    try {
      const [letter] = await waitForDeadLetter(broker, consumer.durable);
      await waitFor(async () => expect(await ledgerDb.db.$count(widgets)).toBe(events));
      expect(letter!.deliveryCount).toBe(consumer.maxDeliver);
      const rows = await ledgerDb.db.select().from(widgets);
      expect(rows.every((row) => row.shipped === Number(row.widgetId.slice(2)) + 1)).toBe(true);
      expect(handled).toBe(events);
      // Rows written by one transaction share its xmin.
      const [{ transactions }] = (await ledgerDb.db.execute(
        sql`select count(distinct xmin::text)::int as transactions from ${processedEvents}`,
      )) as unknown as [{ transactions: number }];
      expect(transactions).toBeLessThan(events / 2);
    } finally {
      await subscription.stop();
    }
  });

  it("gives every event a transaction of its own with batch: false", async () => {
    // Runs after the test above: the stream holds its backlog.
    const oneByOne = defineConsumer({ ...consumer, durable: "audit_widget_shipped" });
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [oneByOne] }));
    const auditDb = await openShopDatabase();
    const subscription = subscribe(broker, {
      consumer: oneByOne,
      schema: shop.schema,
      db: auditDb.db,
      processed: processedEvents,
      batch: false,
      handler: async () => {},
    });
    try {
      await waitFor(async () => expect(await auditDb.db.$count(processedEvents)).toBe(events));
      const [{ transactions }] = (await auditDb.db.execute(
        sql`select count(distinct xmin::text)::int as transactions from ${processedEvents}`,
      )) as unknown as [{ transactions: number }];
      expect(transactions).toBe(events);
    } finally {
      await subscription.stop();
      await auditDb.drop();
    }
  });
});

async function waitForDeadLetter(broker: EventBroker, consumer: string) {
  let letters: Awaited<ReturnType<EventBroker["deadLetters"]["list"]>> = [];
  await vi.waitFor(
    async () => {
      letters = await broker.deadLetters.list({ consumer });
      expect(letters).toHaveLength(1);
    },
    { timeout: 15_000, interval: 50 },
  );
  return letters;
}
