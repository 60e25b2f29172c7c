/**
 * Dead-lettering while the dead-letter stream is unavailable, on JetStream:
 * a message whose dead-letter write fails keeps coming back until it is
 * stored (never dropped by the server), and the metrics count a dead letter
 * once it exists and every failed write.
 */
import { randomBytes } from "node:crypto";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Delivery, EventBroker } from "../../platform/events/broker.js";
import { eventTypeOf } from "../../platform/events/event-type.js";
import { consumerConfig } from "../../platform/events/nats-topology.js";
import { type OutboxRelay, startOutboxRelay } from "../../platform/events/outbox-relay.js";
import { subscribe } from "../../platform/events/subscribe.js";
import {
  defineConsumer,
  defineStream,
  defineTopology,
  eventStream,
  type Topology,
} from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { createEventMetrics } from "../../platform/metrics/index.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { natsBrokerKind, uniqueRun } from "./broker-fixture.js";
import { outbox, processedEvents } from "./db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "./shop-fixture.js";

const logger = createLogger({ service: "dead-letter-outage-test", level: "silent" });
const waitFor = <T>(check: () => Promise<T>) =>
  vi.waitFor(check, { timeout: 20_000, interval: 50 });
const natsUrl = process.env["NATS_URL"];

describe.skipIf(!natsBrokerKind || !natsUrl)("dead-letter stream unavailable on nats", () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    nc = await connect({ servers: natsUrl });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await nc?.close();
  });

  describe("a message whose dead-letter write fails", () => {
    const run = uniqueRun("dlo");
    const stream = defineStream({ name: run.stream, subjects: [`${run.subjectRoot}.>`] });
    const consumer = defineConsumer({
      durable: "c_outage",
      stream: stream.name,
      filterSubject: `${run.subjectRoot}.>`,
      ackWaitMs: 2_000,
      maxDeliver: 2,
      backoffMs: [50],
    });
    const topology: Topology = defineTopology({ streams: [stream], consumers: [consumer] });
    let broker: EventBroker;

    beforeAll(async () => {
      broker = await natsBrokerKind!.open(run.deadLetters);
    });
    afterAll(async () => {
      await broker?.close();
      await natsBrokerKind!.deleteStreams([stream.name, run.deadLetters.stream]);
    });

    it("is delivered again until the write succeeds, then is in the dead-letter stream", async () => {
      // A consumer declared before the fix, with the server's delivery limit
      // just past maxDeliver: ensureTopology must lift it in place.
      await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [] }));
      await jsm.consumers.add(stream.name, {
        ...consumerConfig(consumer),
        max_deliver: consumer.maxDeliver + 1,
      });
      await broker.ensureTopology(topology);
      await jsm.streams.delete(run.deadLetters.stream);

      const seen: Delivery[] = [];
      const handle = broker.consume(consumer, async (delivery) => {
        seen.push(delivery);
        throw new Error("refused on purpose");
      });
      // Deliveries as the server counts them: past maxDeliver they are
      // dead-lettered without reaching the handler.
      const lastDelivery = async () => {
        const info = await jsm.consumers.info(stream.name, consumer.durable);
        return info.delivered.consumer_seq;
      };
      await broker.publish(`${run.subjectRoot}.a`, new Uint8Array([1]), { msgId: "m-1" });

      // Past the old server-side limit (maxDeliver + 1) it is still delivered.
      await waitFor(async () =>
        expect(await lastDelivery()).toBeGreaterThan(consumer.maxDeliver + 2),
      );
      expect(await broker.deadLetters.list()).toEqual([]);

      // The dead-letter stream is back: the next delivery stores the letter.
      await broker.ensureTopology(topology);
      const [letter] = await waitFor(async () => {
        const letters = await broker.deadLetters.list({ consumer: consumer.durable });
        expect(letters).toHaveLength(1);
        return letters;
      });
      await handle.stop();
      expect(letter).toMatchObject({ subject: `${run.subjectRoot}.a`, msgId: "m-1" });
      expect(letter!.deliveryCount).toBeGreaterThan(consumer.maxDeliver + 2);
      // The handler had its maxDeliver attempts, no more.
      expect(seen.map((d) => d.deliveryCount)).toEqual([1, 2]);
      const info = await jsm.consumers.info(stream.name, consumer.durable);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
  });

  describe("the metrics of subscribe", () => {
    const run = randomBytes(3).toString("hex");
    const shop = createShop(`shopo_${run}`);
    const stream = eventStream(shop.source);
    const deadLetters = { stream: `DLQ_OUT_${run.toUpperCase()}`, subjectPrefix: `dlq_out_${run}` };
    const consumer = defineConsumer({
      durable: "outage_widget_shipped",
      stream: stream.name,
      filterSubject: eventTypeOf(shop.schema).subject,
      maxDeliver: 2,
      backoffMs: [50],
    });
    const topology = defineTopology({ streams: [stream], consumers: [consumer] });
    const registry = new Registry();
    let shopDb: ShopDatabase;
    let shippingDb: ShopDatabase;
    let broker: EventBroker;
    let relay: OutboxRelay;

    beforeAll(async () => {
      [shopDb, shippingDb] = await Promise.all([openShopDatabase(), openShopDatabase()]);
      broker = await natsBrokerKind!.open(deadLetters);
      await broker.ensureTopology(topology);
      relay = startOutboxRelay({ db: shopDb.db, table: outbox, broker, logger, pollMs: 20 });
    });
    afterAll(async () => {
      await relay?.stop();
      await broker?.close();
      await natsBrokerKind!.deleteStreams([stream.name, deadLetters.stream]);
      await Promise.all([shopDb?.drop(), shippingDb?.drop()]);
    });

    const counted = async () => {
      const s = parsePrometheusText(await registry.metrics());
      const durable = { consumer: consumer.durable };
      return {
        error: sampleValue(s, "events_consumed_total", { ...durable, result: "error" }),
        deadLettered: sampleValue(s, "events_consumed_total", {
          ...durable,
          result: "dead_lettered",
        }),
        writeFailures: sampleValue(s, "events_dead_letter_write_failures_total", durable),
      };
    };

    it("count failed dead-letter writes, and a dead letter once, when it is stored", async () => {
      await jsm.streams.delete(deadLetters.stream);
      const handle = subscribe(
        broker,
        {
          consumer,
          schema: shop.schema,
          db: shippingDb.db,
          processed: processedEvents,
          handler: async () => {
            throw new Error("refused on purpose");
          },
        },
        createEventMetrics(registry),
      );
      expect(await counted()).toEqual({ error: 0, deadLettered: 0, writeFailures: 0 });
      await shop.ship(shopDb.db, "w-bad", 1);
      relay.notify();

      // The last attempt's write failed, and at least one spent delivery's.
      await waitFor(async () => expect((await counted()).writeFailures).toBeGreaterThanOrEqual(2));
      expect(await counted()).toMatchObject({ error: 1, deadLettered: 0 });

      await broker.ensureTopology(topology);
      await waitFor(async () => expect((await counted()).deadLettered).toBe(1));
      expect(await broker.deadLetters.list({ consumer: consumer.durable })).toHaveLength(1);
      // Settled: nothing more comes back to be counted.
      const after = await counted();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await counted()).toEqual(after);
      await handle.stop();
    });
  });
});
