import { describe, expect, it } from "vitest";
import { createLogger } from "../log/index.js";
import {
  type BatchHandler,
  BatchItemFailed,
  type Delivery,
  type DeliveryHandler,
} from "./broker.js";
import { replayForHeader } from "./dead-letter-headers.js";
import { processBatch, type Taken } from "./process-batch.js";
import { defineConsumer } from "./topology.js";

const logger = createLogger({ service: "test", level: "silent" });
const spec = defineConsumer({
  durable: "billing",
  stream: "EVENTS_ORDERS",
  filterSubject: "orders.>",
  maxDeliver: 3,
  backoffMs: [100, 400],
});

function delivery(seq: number, deliveryCount = 1, headers: Record<string, string> = {}): Delivery {
  return {
    subject: "orders.order.created.v1",
    data: new Uint8Array([seq]),
    headers,
    msgId: `e-${seq}`,
    stream: "EVENTS_ORDERS",
    streamSequence: seq,
    consumer: "billing",
    deliveryCount,
  };
}

// Takes the deliveries with controls that record how each was settled.
function taking(...deliveries: Delivery[]) {
  const calls: string[] = [];
  const taken: Taken[] = deliveries.map((d) => [
    d,
    {
      ack: () => calls.push(`${d.streamSequence} ack`),
      nak: (ms) => calls.push(`${d.streamSequence} nak ${ms}`),
      async deadLetter(reason) {
        calls.push(`${d.streamSequence} dead-letter ${reason}`);
        return true;
      },
    },
  ]);
  return { calls, taken };
}

const seqs = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.streamSequence);

describe("processBatch", () => {
  it("hands the deliveries to the batch handler together and acks them all", async () => {
    const { calls, taken } = taking(delivery(1), delivery(2), delivery(3));
    const batches: number[][] = [];
    const one: DeliveryHandler = async () => {
      throw new Error("not called");
    };
    await processBatch(spec, taken, one, async (ds) => void batches.push(seqs(ds)), logger);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(calls).toEqual(["1 ack", "2 ack", "3 ack"]);
  });

  it("handles each delivery of a failed batch alone, so only the bad one is redelivered", async () => {
    const { calls, taken } = taking(delivery(1), delivery(2), delivery(3));
    const batch: BatchHandler = async () => {
      throw new Error("one of them is bad");
    };
    const one: DeliveryHandler = async (d) => {
      if (d.streamSequence === 2) throw new Error("bad");
    };
    await processBatch(spec, taken, one, batch, logger);
    expect(calls).toEqual(["1 ack", "2 nak 100", "3 ack"]);
  });

  it("counts a failure the batch names as that delivery's attempt, without running it again", async () => {
    const { calls, taken } = taking(delivery(1), delivery(2), delivery(3, 3));
    const alone: number[] = [];
    const one: DeliveryHandler = async (d) => void alone.push(d.streamSequence);
    const named =
      (index: number): BatchHandler =>
      async () => {
        throw new BatchItemFailed(index, new Error("poison"));
      };
    await processBatch(spec, taken, one, named(1), logger);
    expect(alone).toEqual([1, 3]);
    expect(calls).toEqual(["1 ack", "2 nak 100", "3 ack"]);
    // On its last delivery, the named one is dead-lettered with its own error.
    const last = taking(delivery(1), delivery(2, 3));
    await processBatch(spec, last.taken, one, named(1), logger);
    expect(last.calls).toEqual(["1 ack", "2 dead-letter poison"]);
  });

  it("dead-letters the bad delivery of a failed batch on its last attempt", async () => {
    const { calls, taken } = taking(delivery(1), delivery(2, 3));
    const fail = async () => {
      throw new Error("bad");
    };
    const one: DeliveryHandler = async (d) => {
      if (d.streamSequence === 2) await fail();
    };
    await processBatch(spec, taken, one, fail, logger);
    expect(calls).toEqual(["1 ack", "2 dead-letter bad"]);
  });

  it("settles replays for other consumers and spent deliveries without any handler", async () => {
    const elsewhere = delivery(1, 1, { [replayForHeader]: "shipping" });
    const spent = delivery(2, 4);
    const { calls, taken } = taking(elsewhere, spent, delivery(3), delivery(4));
    const batches: number[][] = [];
    await processBatch(
      spec,
      taken,
      async () => {
        throw new Error("not called");
      },
      async (ds) => void batches.push(seqs(ds)),
      logger,
    );
    expect(batches).toEqual([[3, 4]]);
    expect(calls[0]).toBe("1 ack");
    expect(calls[1]).toMatch(/^2 dead-letter not acknowledged after 3 deliveries/);
    expect(calls.slice(2)).toEqual(["3 ack", "4 ack"]);
  });

  it("goes one at a time without a batch handler, or with a single delivery", async () => {
    const seen: number[] = [];
    const one: DeliveryHandler = async (d) => void seen.push(d.streamSequence);
    const batch: BatchHandler = async () => {
      throw new Error("not called");
    };
    await processBatch(spec, taking(delivery(1), delivery(2)).taken, one, undefined, logger);
    await processBatch(spec, taking(delivery(3)).taken, one, batch, logger);
    expect(seen).toEqual([1, 2, 3]);
  });
});
