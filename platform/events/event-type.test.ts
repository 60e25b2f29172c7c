import { describe, expect, it } from "vitest";
import { EventEnvelopeSchema } from "../../gen/platform/v1/event_pb.js";
import { eventSubject, eventTypeOf } from "./event-type.js";
import { createTestEventSchema } from "./test-event-schema.js";

describe("eventTypeOf", () => {
  it("reads type and version from the (platform.v1.event) option", () => {
    const schema = createTestEventSchema("orders.order.created", 3);
    expect(eventTypeOf(schema)).toEqual({
      type: "orders.order.created",
      version: 3,
      subject: "orders.order.created.v3",
      source: "orders",
    });
    expect(eventTypeOf(schema)).toBe(eventTypeOf(schema));
  });

  it("refuses a message without the option", () => {
    expect(() => eventTypeOf(EventEnvelopeSchema)).toThrow(/not an event/);
  });

  it.each([
    ["Orders.created"],
    ["orders"],
    ["orders.order created"],
  ])("refuses the type %s", (type) => {
    expect(() => eventTypeOf(createTestEventSchema(type))).toThrow(/invalid event type/);
  });

  it("refuses version 0", () => {
    expect(() => eventTypeOf(createTestEventSchema("orders.order.created", 0))).toThrow(/version/);
  });
});

describe("eventSubject", () => {
  it("appends the version to the type", () => {
    expect(eventSubject("orders.order.created", 1)).toBe("orders.order.created.v1");
  });
});
