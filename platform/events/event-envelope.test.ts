import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack, timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EventEnvelopeSchema } from "../../gen/platform/v1/event_pb.js";
import { createEnvelope, decodeEvent, encodeEnvelope } from "./event-envelope.js";
import { createTestEventSchema } from "./test-event-schema.js";

const schema = createTestEventSchema("shop.widget.shipped", 2);
const message = create(schema, { widgetId: "w-1", quantity: 3 } as never);

describe("createEnvelope", () => {
  it("wraps the event with a UUIDv7, its declared type and version, and now", () => {
    const before = Date.now();
    const envelope = createEnvelope({
      schema,
      message,
      subjectKey: "w-1",
      source: "shop",
      traceParent: "00-abc-def-01",
    });
    expect(envelope).toMatchObject({
      type: "shop.widget.shipped",
      version: 2,
      source: "shop",
      subjectKey: "w-1",
      traceParent: "00-abc-def-01",
    });
    expect(envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(timestampDate(envelope.occurTime!).getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(envelope.payload?.typeUrl).toBe("type.googleapis.com/test.events.v1.WidgetShipped");
  });

  it("refuses an event of another service's type", () => {
    expect(() => createEnvelope({ schema, message, subjectKey: "w", source: "orders" })).toThrow(
      /belongs to shop/,
    );
  });
});

describe("decodeEvent", () => {
  const envelope = createEnvelope({ schema, message, subjectKey: "w-1", source: "shop" });

  it("unpacks the payload of an encoded envelope", () => {
    const decoded = decodeEvent(schema, encodeEnvelope(envelope));
    expect(decoded.envelope.eventId).toBe(envelope.eventId);
    expect(decoded.event).toMatchObject({ widgetId: "w-1", quantity: 3 });
  });

  it("refuses another version of the type", () => {
    const v1 = createTestEventSchema("shop.widget.shipped", 1);
    expect(() => decodeEvent(v1, encodeEnvelope(envelope))).toThrow(/expected .* v1, got .* v2/);
  });

  it("refuses a payload of another message type", () => {
    const other = createTestEventSchema("shop.widget.shipped", 2);
    const forged = create(EventEnvelopeSchema, {
      ...envelope,
      payload: anyPack(EventEnvelopeSchema, create(EventEnvelopeSchema)),
    });
    expect(() => decodeEvent(other, toBinary(EventEnvelopeSchema, forged))).toThrow(/payload/);
  });
});
