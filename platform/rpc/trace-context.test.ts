import { describe, expect, it } from "vitest";
import { traceContextFrom } from "./trace-context.js";

describe("traceContextFrom", () => {
  it("reads trace and span ids from a valid traceparent, keeping the header to propagate", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(traceContextFrom(header)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceparent: header,
    });
  });

  it("keeps the tracestate that came with it, as OpenTelemetry parses it, list headers joined", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(traceContextFrom(header, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")?.tracestate).toBe(
      "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    );
    expect(traceContextFrom(header, ["rojo=1", "congo=2"])?.tracestate).toBe("rojo=1,congo=2");
    expect(traceContextFrom(header, "rojo=1,Not Valid,congo=2")?.tracestate).toBe("rojo=1,congo=2");
    expect(traceContextFrom(header, "")?.tracestate).toBeUndefined();
    expect(traceContextFrom(header)?.tracestate).toBeUndefined();
    expect(traceContextFrom("garbage", "rojo=1")).toBeUndefined();
  });

  it("reads a later version's header as version 00, ignoring its extra fields", () => {
    const ids = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(traceContextFrom(`01-${ids}-what-comes-next`)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceparent: `00-${ids}`,
      tracestate: undefined,
    });
    expect(traceContextFrom(`01-${ids}`)?.traceparent).toBe(`00-${ids}`);
  });

  it.each([
    undefined,
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra",
    "",
    "garbage",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
  ])("ignores %j", (header) => {
    expect(traceContextFrom(header)).toBeUndefined();
  });
});
