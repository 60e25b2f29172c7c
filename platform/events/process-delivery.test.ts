import { describe, expect, it } from "vitest";
import { createLogCapture, createLogger } from "../log/index.js";
import type { Delivery } from "./broker.js";
import { replayForHeader } from "./dead-letter-headers.js";
import { type DeliveryControl, processDelivery } from "./process-delivery.js";
import { defineConsumer } from "./topology.js";

const logger = createLogger({ service: "test", level: "silent" });
const spec = defineConsumer({
  durable: "billing",
  stream: "EVENTS_ORDERS",
  filterSubject: "orders.>",
  maxDeliver: 3,
  backoffMs: [100, 400],
});

function delivery(deliveryCount: number, headers: Record<string, string> = {}): Delivery {
  return {
    subject: "orders.order.created.v1",
    data: new Uint8Array(),
    headers,
    msgId: "e-1",
    stream: "EVENTS_ORDERS",
    streamSequence: 7,
    consumer: "billing",
    deliveryCount,
  };
}

// Records what processDelivery asked the broker to do.
function recorder(deadLetterFails = false) {
  const calls: string[] = [];
  const control: DeliveryControl = {
    ack: () => calls.push("ack"),
    nak: (ms) => calls.push(`nak ${ms}`),
    async deadLetter(reason) {
      calls.push(`dead-letter ${reason}`);
      if (deadLetterFails) throw new Error("DLQ stream unavailable");
    },
  };
  return { calls, control };
}

const ok = async () => {};
const boom = async () => {
  throw new Error("boom");
};

describe("processDelivery", () => {
  it("acks a delivery the handler accepted", async () => {
    const { calls, control } = recorder();
    await processDelivery(spec, delivery(1), ok, control, logger);
    expect(calls).toEqual(["ack"]);
  });

  it("names the event's request and trace in the lines of a failed delivery", async () => {
    const capture = createLogCapture();
    const logs = createLogger({ service: "test", level: "info", destination: capture.stream });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traced = delivery(3, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      "x-request-id": "req-42",
    });
    await processDelivery(spec, delivery(1), boom, recorder().control, logs);
    await processDelivery(spec, traced, boom, recorder().control, logs);
    const [untracedLine, deadLetterLine] = capture.lines();
    expect(untracedLine).toMatchObject({ msg: "event handler failed", msgId: "e-1" });
    expect(untracedLine).not.toHaveProperty("trace_id");
    expect(deadLetterLine).toMatchObject({
      msg: "event dead-lettered",
      trace_id: traceId,
      request_id: "req-42",
    });
  });

  it("naks a failed delivery with the backoff for its attempt", async () => {
    const { calls, control } = recorder();
    await processDelivery(spec, delivery(1), boom, control, logger);
    await processDelivery(spec, delivery(2), boom, control, logger);
    expect(calls).toEqual(["nak 100", "nak 400"]);
  });

  it("dead-letters the maxDeliver-th failure with the error as reason", async () => {
    const { calls, control } = recorder();
    await processDelivery(spec, delivery(3), boom, control, logger);
    expect(calls).toEqual(["dead-letter boom"]);
  });

  it("dead-letters a delivery past maxDeliver without running the handler", async () => {
    const { calls, control } = recorder();
    let ran = false;
    const handler = async () => {
      ran = true;
    };
    await processDelivery(spec, delivery(4), handler, control, logger);
    expect(ran).toBe(false);
    expect(calls).toEqual(["dead-letter not acknowledged after 3 deliveries (ack wait expired)"]);
  });

  it("naks when dead-lettering fails, so the message is not dropped", async () => {
    const { calls, control } = recorder(true);
    await processDelivery(spec, delivery(3), boom, control, logger);
    expect(calls).toEqual(["dead-letter boom", "nak 400"]);
  });

  it("acks a replay addressed to another consumer without handling it", async () => {
    const { calls, control } = recorder();
    await processDelivery(
      spec,
      delivery(1, { [replayForHeader]: "shipping" }),
      boom,
      control,
      logger,
    );
    expect(calls).toEqual(["ack"]);
  });

  it("handles a replay addressed to this consumer", async () => {
    const { calls, control } = recorder();
    await processDelivery(
      spec,
      delivery(1, { [replayForHeader]: "billing" }),
      boom,
      control,
      logger,
    );
    expect(calls).toEqual(["nak 100"]);
  });
});
