import { describe, expect, it } from "vitest";
import type { Delivery } from "./broker.js";
import {
  deadLetterHeaders,
  readDeadLetter,
  reasonOf,
  replayForHeader,
  replayHeaders,
  replayMsgId,
} from "./dead-letter-headers.js";

const delivery: Delivery = {
  subject: "orders.order.created.v1",
  data: new Uint8Array([1, 2]),
  headers: { traceparent: "00-a-b-01", [replayForHeader]: "billing" },
  msgId: "e-1",
  stream: "EVENTS_ORDERS",
  streamSequence: 42,
  consumer: "billing",
  deliveryCount: 5,
};

describe("reasonOf", () => {
  it("keeps the error's name and message on one line, without the stack", () => {
    const err = new TypeError("bad\r\nwidget");
    expect(reasonOf(err)).toBe("TypeError: bad widget");
    expect(reasonOf(new Error("plain"))).toBe("plain");
    expect(reasonOf("a string")).toBe("a string");
    expect(reasonOf(new Error(""))).toBe("handler failed");
  });

  it("caps a long message", () => {
    const reason = reasonOf(new Error("x".repeat(5_000)));
    expect(reason).toHaveLength(1_000);
    expect(reason.endsWith("…")).toBe(true);
  });
});

describe("dead-letter headers", () => {
  it("round-trip a delivery into a dead letter with the original headers", () => {
    const headers = { ...deadLetterHeaders(delivery, "boom"), "Nats-Msg-Id": "dlq:x" };
    const time = new Date("2026-01-02T03:04:05Z");
    expect(readDeadLetter({ id: "9", data: delivery.data, headers, time })).toEqual({
      id: "9",
      consumer: "billing",
      stream: "EVENTS_ORDERS",
      streamSequence: 42,
      subject: "orders.order.created.v1",
      deliveryCount: 5,
      reason: "boom",
      time,
      msgId: "e-1",
      data: delivery.data,
      // A replay's addressee is not part of the message: a second replay re-adds it.
      headers: { traceparent: "00-a-b-01" },
    });
  });

  it("address a replay to the consumer and give it a stable new msgId", () => {
    const letter = readDeadLetter({
      id: "9",
      data: delivery.data,
      headers: deadLetterHeaders(delivery, "boom"),
      time: new Date(),
    });
    expect(replayHeaders(letter)).toEqual({
      traceparent: "00-a-b-01",
      [replayForHeader]: "billing",
    });
    expect(replayMsgId(letter, "DLQ")).toBe("replay:DLQ:9:e-1");
  });
});
