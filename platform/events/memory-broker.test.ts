import { describe, expect, it } from "vitest";
import { createEventBroker } from "./create-event-broker.js";
import { createMemoryBroker } from "./memory-broker.js";
import { defineConsumer, defineTopology, eventStream } from "./topology.js";

const stream = eventStream("orders");
const consumer = defineConsumer({
  durable: "billing",
  stream: stream.name,
  filterSubject: "orders.>",
});

describe("createMemoryBroker", () => {
  it("stops its consumers on close and refuses work afterwards", async () => {
    const broker = createMemoryBroker();
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
    let handled = 0;
    broker.consume(consumer, async () => {
      handled++;
    });
    await broker.close();
    await broker.close();
    await expect(broker.publish("orders.x.v1", new Uint8Array(), { msgId: "1" })).rejects.toThrow(
      /closed/,
    );
    expect(() => broker.consume(consumer, async () => {})).toThrow(/closed/);
    await expect(broker.ping()).rejects.toThrow(/closed/);
    expect(handled).toBe(0);
  });

  it("refuses a consumer of a stream it was never told about", async () => {
    const broker = createMemoryBroker();
    await expect(broker.ensureTopology({ streams: [], consumers: [consumer] })).rejects.toThrow(
      /stream EVENTS_ORDERS not found/,
    );
  });
});

describe("createEventBroker", () => {
  it("embeds the in-process broker when no NATS URL is given", async () => {
    const broker = await createEventBroker({ natsUrl: undefined });
    expect(broker.kind).toBe("memory");
    await broker.ping();
    await broker.close();
  });
});
