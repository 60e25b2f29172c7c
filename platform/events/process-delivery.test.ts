import { describe, expect, it } from "vitest";
import { createLogCapture, createLogger } from "../log/index.js";
import type { DeadLetterObserver, Delivery } from "./broker.js";
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

// Records what processDelivery asked the broker to do, and what the
// dead-letter observer heard. `stored` false: the stream held it already.
function recorder(deadLetterFails = false, stored = true) {
  const calls: string[] = [];
  const heard: string[] = [];
  const control: DeliveryControl = {
    ack: () => calls.push("ack"),
    nak: (ms) => calls.push(`nak ${ms}`),
    async deadLetter(reason) {
      calls.push(`dead-letter ${reason}`);
      if (deadLetterFails) throw new Error("DLQ stream unavailable");
      return stored;
    },
  };
  const observer: DeadLetterObserver = {
    stored: (d) => heard.push(`stored ${d.deliveryCount}`),
    failed: (d) => heard.push(`failed ${d.deliveryCount}`),
  };
  return { calls, control, heard, observer };
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

  it("tells the observer of a dead letter once it is stored, on either path", async () => {
    const { heard, observer, control } = recorder();
    await processDelivery(spec, delivery(2), boom, control, logger, observer);
    expect(heard).toEqual([]);
    await processDelivery(spec, delivery(3), boom, control, logger, observer);
    await processDelivery(spec, delivery(4), ok, control, logger, observer);
    expect(heard).toEqual(["stored 3", "stored 4"]);
  });

  it("tells the observer of a failed dead-letter write, and nothing of a letter held already", async () => {
    const failing = recorder(true);
    await processDelivery(spec, delivery(3), boom, failing.control, logger, failing.observer);
    await processDelivery(spec, delivery(4), ok, failing.control, logger, failing.observer);
    expect(failing.heard).toEqual(["failed 3", "failed 4"]);
    expect(failing.calls).toEqual([
      "dead-letter boom",
      "nak 400",
      "dead-letter not acknowledged after 3 deliveries (ack wait expired)",
      "nak 400",
    ]);
    const again = recorder(false, false);
    await processDelivery(spec, delivery(4), ok, again.control, logger, again.observer);
    expect(again.heard).toEqual([]);
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
