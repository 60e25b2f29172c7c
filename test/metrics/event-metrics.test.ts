/**
 * Event metrics: what the outbox relay publishes, what consumers make of
 * each delivery, and the outbox backlog, first on identity and orders
 * running as `npm start` runs them, then on a stand-in service driven into
 * every outcome.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventBroker } from "../../platform/events/broker.js";
import { eventTypeOf } from "../../platform/events/event-type.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import { type OutboxRelay, startOutboxRelay } from "../../platform/events/outbox-relay.js";
import { subscribe } from "../../platform/events/subscribe.js";
import { defineConsumer, defineTopology, eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { createEventMetrics } from "../../platform/metrics/index.js";
import { outbox, processedEvents } from "../events/db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "../events/shop-fixture.js";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { createUserAsAdmin } from "../support/test-users.js";

const waitFor = (check: () => Promise<void>) =>
  vi.waitFor(check, { timeout: 10_000, interval: 25 });

async function scrape(adminPort: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

describe("event metrics of identity and orders", () => {
  let platform: OrdersPlatform;
  beforeAll(async () => {
    platform = await startOrdersPlatform();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const subject = "orders.order.created.v1";
  const consumer = "identity-order-count";

  it("counts orders' published events and identity's handled deliveries; the outbox drains to 0", async () => {
    const { users, ordersClient } = platform;
    const user = await createUserAsAdmin(users, platform.certsDir, {
      email: "events@example.com",
      displayName: "Ev",
    });
    for (let i = 0; i < 3; i++) {
      await ordersClient.createOrder(
        {
          userId: user.userId,
          items: [{ sku: "a", quantity: 1, unitPriceCents: 100n }],
          currency: "EUR",
        },
        { headers: user.headers },
      );
    }
    await waitFor(async () => {
      const orders = await scrape(platform.orders.adminPort);
      expect(
        sampleValue(orders, "events_published_total", { service: "orders", subject, result: "ok" }),
      ).toBe(3);
      const identity = await scrape(platform.identity.adminPort);
      expect(
        sampleValue(identity, "events_consumed_total", {
          service: "identity",
          consumer,
          result: "ok",
        }),
      ).toBe(3);
    });
    const orders = await scrape(platform.orders.adminPort);
    expect(sampleValue(orders, "outbox_lag_seconds", { service: "orders" })).toBe(0);
    expect(sampleValue(orders, "outbox_pending", { service: "orders" })).toBe(0);

    const identity = await scrape(platform.identity.adminPort);
    // Every result's series exists from the start, so rate() and alerts see 0, not nothing.
    for (const result of ["error", "dead_lettered", "duplicate"]) {
      expect(sampleValue(identity, "events_consumed_total", { consumer, result })).toBe(0);
    }
    // Identity has no outbox: no backlog series.
    expect(sampleValue(identity, "outbox_lag_seconds", {})).toBeUndefined();
  });
});

describe("event metrics of every outcome", () => {
  const run = randomBytes(3).toString("hex");
  const shop = createShop(`shopm_${run}`);
  const stream = eventStream(shop.source);
  const consumer = defineConsumer({
    durable: "metrics_widget_shipped",
    stream: stream.name,
    filterSubject: eventTypeOf(shop.schema).subject,
    maxDeliver: 2,
    backoffMs: [20],
  });
  const subject = consumer.filterSubject;
  const logger = createLogger({ service: "event-metrics-test", level: "silent" });
  const registry = new Registry();
  const metrics = createEventMetrics(registry);
  let shopDb: ShopDatabase;
  let shippingDb: ShopDatabase;
  let broker: EventBroker;
  let relay: OutboxRelay;
  let stopConsumer: () => Promise<void>;

  beforeAll(async () => {
    [shopDb, shippingDb] = await Promise.all([openShopDatabase(), openShopDatabase()]);
    // No stream yet: every publish fails until the topology is declared.
    broker = createMemoryBroker({});
    relay = startOutboxRelay({
      db: shopDb.db,
      table: outbox,
      broker,
      logger,
      pollMs: 20,
      maxBackoffMs: 50,
      metrics,
    });
    metrics.watchOutbox(relay.backlog);
  });
  afterAll(async () => {
    await stopConsumer?.();
    await relay?.stop();
    await broker?.close();
    await Promise.all([shopDb?.drop(), shippingDb?.drop()]);
  });

  const samples = async () => parsePrometheusText(await registry.metrics());
  const consumed = (s: readonly Sample[], result: string) =>
    sampleValue(s, "events_consumed_total", { consumer: consumer.durable, result });

  it("counts failed publishes, and reports the backlog until it is published", async () => {
    await shop.ship(shopDb.db, "w-stuck", 1);
    await waitFor(async () => {
      const s = await samples();
      expect(
        sampleValue(s, "events_published_total", { subject, result: "error" }),
      ).toBeGreaterThan(0);
      expect(sampleValue(s, "outbox_pending", {})).toBe(1);
      expect(sampleValue(s, "outbox_lag_seconds", {})).toBeGreaterThan(0);
    });

    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
    await waitFor(async () => {
      const s = await samples();
      expect(sampleValue(s, "events_published_total", { subject, result: "ok" })).toBe(1);
      expect(sampleValue(s, "outbox_pending", {})).toBe(0);
      expect(sampleValue(s, "outbox_lag_seconds", {})).toBe(0);
    });
  });

  it("counts handled, duplicate, failed and dead-lettered deliveries", async () => {
    const handle = subscribe(
      broker,
      {
        consumer,
        schema: shop.schema,
        db: shippingDb.db,
        processed: processedEvents,
        handler: async (event) => {
          if ((event as unknown as { widgetId: string }).widgetId === "w-bad") {
            throw new Error("refused on purpose");
          }
        },
      },
      metrics,
    );
    stopConsumer = () => handle.stop();
    // The event published in the test before.
    await waitFor(async () => expect(consumed(await samples(), "ok")).toBe(1));

    // The same envelope under a new msgId, as after a lost ack.
    const eventId = await shop.ship(shopDb.db, "w-again", 1);
    await waitFor(async () => expect(consumed(await samples(), "ok")).toBe(2));
    const [row] = await shopDb.db.select().from(outbox).where(eq(outbox.eventId, eventId));
    await broker.publish(row!.subject, row!.payload, { msgId: `again-${eventId}` });
    await waitFor(async () => expect(consumed(await samples(), "duplicate")).toBe(1));

    // Fails on the first delivery, and on the second, its last (maxDeliver 2).
    await shop.ship(shopDb.db, "w-bad", 1);
    await waitFor(async () => {
      const s = await samples();
      expect(consumed(s, "error")).toBe(1);
      expect(consumed(s, "dead_lettered")).toBe(1);
    });
    expect(await broker.deadLetters.list({ consumer: consumer.durable })).toHaveLength(1);
    expect(consumed(await samples(), "ok")).toBe(2);
  });
});

describe("outbox backlog gauges", () => {
  it("report NaN, not a made-up value, when the backlog cannot be read", async () => {
    const registry = new Registry();
    createEventMetrics(registry).watchOutbox(() => Promise.reject(new Error("database down")));
    const s = parsePrometheusText(await registry.metrics());
    expect(sampleValue(s, "outbox_lag_seconds", {})).toBeNaN();
    expect(sampleValue(s, "outbox_pending", {})).toBeNaN();
  });
});
