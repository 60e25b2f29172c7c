import { randomBytes } from "node:crypto";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConsumerHandle, EventBroker } from "../../platform/events/broker.js";
import { createNatsBroker } from "../../platform/events/nats-broker.js";
import { defineConsumer, defineTopology, eventStream } from "../../platform/events/topology.js";

const natsUrl = process.env["NATS_URL"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// The first restart waits 1 s; a few seconds covers it and the recreation.
const recovered = (check: () => void) => vi.waitFor(check, { timeout: 6_000, interval: 50 });

// A consumer deleted on the server (by an operator, a purge script) must be
// recreated by the service consuming it, not leave it idle for good.
describe.skipIf(!natsUrl)("a consumer deleted on NATS", () => {
  const run = randomBytes(4).toString("hex");
  const source = `recover${run}`;
  const stream = eventStream(source);
  const deadLetters = { stream: `DLQ_REC_${run.toUpperCase()}`, subjectPrefix: `dlq_rec_${run}` };
  const consumer = defineConsumer({
    durable: "shipping",
    stream: stream.name,
    filterSubject: `${source}.>`,
  });
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let broker: EventBroker;
  let handle: ConsumerHandle | undefined;
  const seen: string[] = [];
  const publish = (body: string) =>
    broker.publish(`${source}.thing.v1`, encoder.encode(body), { msgId: `${run}-${body}` });

  beforeAll(async () => {
    nc = await connect({ servers: natsUrl });
    jsm = await nc.jetstreamManager();
    broker = await createNatsBroker({ url: natsUrl!, name: "shipping", deadLetters });
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
  });
  afterAll(async () => {
    await handle?.stop();
    await broker?.close();
    for (const name of [stream.name, deadLetters.stream]) {
      await jsm.streams.delete(name).catch(() => false);
    }
    await nc?.close();
  });

  it("is recreated when it is gone before consuming starts", async () => {
    await jsm.consumers.delete(stream.name, consumer.durable);
    handle = broker.consume(consumer, async (delivery) => {
      seen.push(decoder.decode(delivery.data));
    });
    await publish("first");
    await recovered(() => expect(seen).toContain("first"));
  });

  it("is recreated when deleted while consuming, and reported down meanwhile", async () => {
    await jsm.consumers.delete(stream.name, consumer.durable);
    await vi.waitFor(() => expect(broker.consumerHealth?.()[0]?.downSinceMs).toBeTypeOf("number"), {
      timeout: 3_000,
      interval: 20,
    });
    await publish("second");
    await recovered(() => expect(seen).toContain("second"));
    expect(broker.consumerHealth?.()).toEqual([
      expect.objectContaining({ consumer: "shipping", downSinceMs: undefined }),
    ]);
  });
});
