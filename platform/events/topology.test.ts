import { describe, expect, it } from "vitest";
import {
  checkSubject,
  defineConsumer,
  defineStream,
  defineTopology,
  eventStream,
  mayUpdateStream,
  redeliveryDelayMs,
} from "./topology.js";

const consumer = { durable: "billing", stream: "EVENTS_ORDERS", filterSubject: "orders.>" };

describe("defineStream", () => {
  it("fills in JetStream's dedupe window and keeps messages by default", () => {
    expect(defineStream({ name: "S", subjects: ["a.>"] })).toEqual({
      name: "S",
      subjects: ["a.>"],
      duplicateWindowMs: 120_000,
      maxAgeMs: 0,
    });
  });

  it("refuses names NATS refuses and streams without subjects", () => {
    expect(() => defineStream({ name: "EVENTS.ORDERS", subjects: ["a"] })).toThrow(/stream name/);
    expect(() => defineStream({ name: "S", subjects: [] })).toThrow(/no subjects/);
    expect(() => defineStream({ name: "S", subjects: ["a.>.b"] })).toThrow(/invalid subject/);
  });
});

describe("eventStream", () => {
  it("names a service's stream EVENTS_<SOURCE> over <source>.>", () => {
    expect(eventStream("orders")).toMatchObject({ name: "EVENTS_ORDERS", subjects: ["orders.>"] });
  });

  it("refuses a source that cannot be a subject token", () => {
    expect(() => eventStream("Orders.v1")).toThrow(/invalid event source/);
  });
});

describe("defineConsumer", () => {
  it("fills in ack wait, max deliver, backoff and batch size", () => {
    expect(defineConsumer(consumer)).toEqual({
      ...consumer,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      backoffMs: [1_000, 5_000, 30_000],
      batchSize: 10,
    });
  });

  it.each([
    [{ durable: "a.b" }, /consumer name/],
    [{ maxDeliver: 0 }, /maxDeliver/],
    [{ ackWaitMs: 0 }, /ackWaitMs/],
    [{ backoffMs: [10, -1] }, /negative backoff/],
    [{ batchSize: 1.5 }, /batchSize/],
  ])("refuses %o", (override, message) => {
    expect(() => defineConsumer({ ...consumer, ...override })).toThrow(message);
  });
});

describe("defineTopology", () => {
  it("refuses a consumer of a stream it does not declare", () => {
    const streams = [eventStream("billing")];
    expect(() => defineTopology({ streams, consumers: [defineConsumer(consumer)] })).toThrow(
      /undeclared stream EVENTS_ORDERS/,
    );
    const ok = defineTopology({ streams: [eventStream("orders")], consumers: [] });
    expect(ok.streams).toHaveLength(1);
  });
});

describe("redeliveryDelayMs", () => {
  it("picks the delay by attempt and repeats the last one", () => {
    const spec = defineConsumer({ ...consumer, backoffMs: [100, 500] });
    expect([1, 2, 3, 9].map((n) => redeliveryDelayMs(spec, n))).toEqual([100, 500, 500, 500]);
    expect(redeliveryDelayMs(defineConsumer({ ...consumer, backoffMs: [] }), 2)).toBe(0);
  });
});

describe("checkSubject", () => {
  it("allows wildcards only where asked and `>` only last", () => {
    expect(() => checkSubject("orders.*.created.v1", true)).not.toThrow();
    expect(() => checkSubject("orders.*", false)).toThrow();
    expect(() => checkSubject("orders..created", true)).toThrow();
    expect(() => checkSubject("orders.>.x", true)).toThrow();
  });
});

describe("stream ownership", () => {
  it("gives an event stream to its source, with a 7-day default max age", () => {
    const stream = eventStream("orders");
    expect(stream).toMatchObject({ owner: "orders", maxAgeMs: 7 * 24 * 3_600_000 });
    expect(eventStream("orders", { maxAgeMs: 1_000 }).maxAgeMs).toBe(1_000);
    expect(mayUpdateStream(stream, "orders")).toBe(true);
    expect(mayUpdateStream(stream, "identity")).toBe(false);
    // A stream without an owner (the dead letters) is shared by all.
    expect(mayUpdateStream(defineStream({ name: "DLQ", subjects: ["dlq.>"] }), "identity")).toBe(
      true,
    );
  });
});
