import { AckPolicy, DeliverPolicy, nanos } from "nats";
import { describe, expect, it } from "vitest";
import { consumerConfig, deadLetterStream, streamConfig } from "./nats-topology.js";
import { defineConsumer, defineStream } from "./topology.js";

const base = { durable: "billing", stream: "EVENTS_ORDERS", filterSubject: "orders.>" };

describe("consumerConfig", () => {
  it("is a durable explicit-ack consumer with no server-side delivery limit", () => {
    const config = consumerConfig(defineConsumer({ ...base, maxDeliver: 3, backoffMs: [] }));
    expect(config).toEqual({
      durable_name: "billing",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: "orders.>",
      ack_wait: nanos(30_000),
      max_deliver: 2 ** 31 - 1,
      backoff: undefined,
    });
  });

  it("times ack-wait redeliveries as ack wait plus the attempt's backoff", () => {
    const spec = defineConsumer({
      ...base,
      ackWaitMs: 1_000,
      maxDeliver: 2,
      backoffMs: [10, 20, 30],
    });
    const config = consumerConfig(spec);
    // Entries past maxDeliver are never a failed attempt's; JetStream uses backoff[0] as ack_wait.
    expect(config.backoff).toEqual([nanos(1_010), nanos(1_020)]);
    expect(config.ack_wait).toBe(nanos(1_010));
  });
});

describe("streamConfig", () => {
  it("keeps limits-based, file-backed streams with the dedupe window", () => {
    const config = streamConfig(defineStream({ name: "S", subjects: ["s.>"], maxAgeMs: 1_000 }));
    expect(config).toMatchObject({
      name: "S",
      subjects: ["s.>"],
      duplicate_window: nanos(120_000),
      max_age: nanos(1_000),
    });
  });

  it("puts dead letters under their prefix", () => {
    expect(deadLetterStream({ stream: "DLQ", subjectPrefix: "dlq" }).subjects).toEqual(["dlq.>"]);
  });
});
