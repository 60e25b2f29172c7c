import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConsumerHandle, EventBroker } from "../../platform/events/broker.js";
import { eventTypeOf } from "../../platform/events/event-type.js";
import { type OutboxRelay, startOutboxRelay } from "../../platform/events/outbox-relay.js";
import { subscribe } from "../../platform/events/subscribe.js";
import { defineConsumer, defineTopology, eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { brokerKinds } from "./broker-fixture.js";
import { outbox, processedEvents, widgets } from "./db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "./shop-fixture.js";

const logger = createLogger({ service: "subscribe-test", level: "silent" });
const waitFor = (check: () => Promise<void>) =>
  vi.waitFor(check, { timeout: 10_000, interval: 25 });

describe.each(brokerKinds)("outbox to subscriber on $name", (kind) => {
  const run = randomBytes(3).toString("hex");
  const shop = createShop(`shop_${run}`);
  const stream = eventStream(shop.source);
  const deadLetters = { stream: `DLQ_SUB_${run.toUpperCase()}`, subjectPrefix: `dlq_sub_${run}` };
  const consumer = defineConsumer({
    durable: "shipping_widget_shipped",
    stream: stream.name,
    filterSubject: eventTypeOf(shop.schema).subject,
    maxDeliver: 2,
    backoffMs: [50],
  });
  // The publishing service and the consuming one each own a database.
  let shopDb: ShopDatabase;
  let shippingDb: ShopDatabase;
  let broker: EventBroker;
  let relay: OutboxRelay;
  let subscription: ConsumerHandle;
  let handled = 0;

  beforeAll(async () => {
    [shopDb, shippingDb] = await Promise.all([openShopDatabase(), openShopDatabase()]);
    broker = await kind.open(deadLetters);
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
    relay = startOutboxRelay({ db: shopDb.db, table: outbox, broker, logger, pollMs: 20 });
    subscription = subscribe(broker, {
      consumer,
      schema: shop.schema,
      db: shippingDb.db,
      processed: processedEvents,
      handler: async (event, envelope, tx) => {
        handled++;
        const { widgetId, quantity } = event as unknown as { widgetId: string; quantity: number };
        expect(envelope.subjectKey).toBe(widgetId);
        await tx
          .insert(widgets)
          .values({ widgetId, shipped: quantity })
          .onConflictDoUpdate({ target: widgets.widgetId, set: { shipped: quantity + 100 } });
      },
    });
  });
  afterAll(async () => {
    await subscription?.stop();
    await relay?.stop();
    await broker?.close();
    await kind.deleteStreams([stream.name, deadLetters.stream]);
    await Promise.all([shopDb?.drop(), shippingDb?.drop()]);
  });

  const shipped = async (widgetId: string) =>
    (await shippingDb.db.select().from(widgets).where(eq(widgets.widgetId, widgetId)))[0]?.shipped;

  it("delivers committed events to the subscriber's handler", async () => {
    await shop.ship(shopDb.db, "w-1", 2);
    relay.notify();
    await waitFor(async () => expect(await shipped("w-1")).toBe(2));
  });

  it("never delivers an event whose transaction rolled back", async () => {
    await expect(shop.ship(shopDb.db, "w-ghost", 1, true)).rejects.toThrow();
    await shop.ship(shopDb.db, "w-after", 1);
    await waitFor(async () => expect(await shipped("w-after")).toBe(1));
    expect(await shipped("w-ghost")).toBeUndefined();
  });

  it("handles a redelivered event once", async () => {
    const eventId = await shop.ship(shopDb.db, "w-2", 5);
    await waitFor(async () => expect(await shipped("w-2")).toBe(5));
    const before = handled;
    // The same envelope again, under a new msgId so the stream keeps it: what
    // a consumer sees when its ack was lost. It arrives before w-3's event.
    const [row] = await shopDb.db.select().from(outbox).where(eq(outbox.eventId, eventId));
    await broker.publish(row!.subject, row!.payload, { msgId: `again-${eventId}` });
    await shop.ship(shopDb.db, "w-3", 1);
    await waitFor(async () => expect(await shipped("w-3")).toBe(1));
    expect(handled - before).toBe(1);
    expect(await shipped("w-2")).toBe(5);
  });

  it("dead-letters a message that is not the subscribed event", async () => {
    await broker.publish(consumer.filterSubject, new Uint8Array([0xff, 0x01]), { msgId: "junk" });
    await waitFor(async () => {
      const letters = await broker.deadLetters.list({ consumer: consumer.durable });
      expect(letters).toHaveLength(1);
      expect(letters[0]!.reason).not.toBe("");
      expect(letters[0]!.deliveryCount).toBe(2);
    });
  });
});
