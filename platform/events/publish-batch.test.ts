import { describe, expect, it } from "vitest";
import { eventHeader } from "./outbox.js";
import { publishBatch } from "./publish-batch.js";
import type { OutgoingMessage } from "./trace-messages.js";

function message(eventId: string, key: string): OutgoingMessage {
  return {
    eventId,
    subject: "orders.order.created.v1",
    payload: new Uint8Array(),
    headers: { [eventHeader.subjectKey]: key },
  };
}

// A broker whose acks the test releases by hand; it records what was sent
// and what was still unacknowledged at that moment.
function manualBroker(refused: ReadonlySet<string> = new Set()) {
  const sent: string[] = [];
  const inFlightAtSend: number[] = [];
  const waiting: { id: string; settle(): void }[] = [];
  const publish = (m: OutgoingMessage) =>
    new Promise<void>((resolve, reject) => {
      sent.push(m.eventId);
      inFlightAtSend.push(waiting.length);
      const settle = () =>
        refused.has(m.eventId) ? reject(new Error(`refused ${m.eventId}`)) : resolve();
      waiting.push({ id: m.eventId, settle });
    });
  const ackAll = async () => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const now = waiting.splice(0);
      if (now.length === 0) return;
      for (const w of now) w.settle();
    }
  };
  return { publish, sent, inFlightAtSend, ackAll };
}

describe("publishBatch", () => {
  it("sends every message of distinct keys before any acknowledgement arrives", async () => {
    const broker = manualBroker();
    const batch = [message("e1", "a"), message("e2", "b"), message("e3", "c")];
    const outcome = publishBatch(batch, broker.publish);
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.sent).toEqual(["e1", "e2", "e3"]);
    expect(broker.inFlightAtSend).toEqual([0, 1, 2]);
    await broker.ackAll();
    expect((await outcome).sent.map((m) => m.eventId)).toEqual(["e1", "e2", "e3"]);
  });

  it("sends a key's next message only after the previous one was acknowledged", async () => {
    const broker = manualBroker();
    const batch = [message("a1", "a"), message("b1", "b"), message("a2", "a"), message("a3", "a")];
    const outcome = publishBatch(batch, broker.publish);
    await broker.ackAll();
    const { sent, failed, held } = await outcome;
    // Three waves: a1 and b1 together, then a2 alone, then a3 alone.
    expect(broker.sent).toEqual(["a1", "b1", "a2", "a3"]);
    expect(broker.inFlightAtSend).toEqual([0, 1, 0, 0]);
    expect(sent.map((m) => m.eventId)).toEqual(["a1", "b1", "a2", "a3"]);
    expect({ failed, held }).toEqual({ failed: [], held: 0 });
  });

  it("holds back the later messages of a key whose publish failed, and goes on with the others", async () => {
    const broker = manualBroker(new Set(["a1"]));
    const batch = [message("a1", "a"), message("b1", "b"), message("a2", "a"), message("b2", "b")];
    const outcome = publishBatch(batch, broker.publish);
    await broker.ackAll();
    const { sent, failed, held } = await outcome;
    expect(broker.sent).toEqual(["a1", "b1", "b2"]);
    expect(sent.map((m) => m.eventId)).toEqual(["b1", "b2"]);
    expect(failed.map((f) => [f.message.eventId, (f.error as Error).message])).toEqual([
      ["a1", "refused a1"],
    ]);
    expect(held).toBe(1);
  });

  it("keeps events without a subject key in order among themselves", async () => {
    const broker = manualBroker();
    const keyless = (id: string): OutgoingMessage => ({ ...message(id, ""), headers: {} });
    const outcome = publishBatch([keyless("x1"), keyless("x2")], broker.publish);
    await broker.ackAll();
    await outcome;
    expect(broker.inFlightAtSend).toEqual([0, 0]);
  });

  it("resolves at once for an empty batch", async () => {
    expect(await publishBatch([], () => Promise.reject(new Error("never called")))).toEqual({
      sent: [],
      failed: [],
      held: 0,
    });
  });
});
