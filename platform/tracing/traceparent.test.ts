import { createTraceState } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { traceContextFrom } from "../rpc/trace-context.js";
import { randomHexId } from "./span-ids.js";
import {
  formatTraceparent,
  remoteSpanContext,
  setTraceHeaders,
  withTraceHeaders,
} from "./traceparent.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

describe("formatTraceparent", () => {
  it("writes version 00, both ids and two hex digits of flags", () => {
    const span = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 };
    expect(formatTraceparent(span)).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(formatTraceparent({ ...span, traceFlags: 0 })).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
    expect(formatTraceparent({ ...span, traceFlags: 0x13 })).toBe(`00-${TRACE_ID}-${SPAN_ID}-13`);
  });

  it("round-trips through the RPC server's parser as a remote parent", () => {
    for (const flags of ["00", "01"]) {
      const caller = traceContextFrom(`00-${TRACE_ID}-${SPAN_ID}-${flags}`)!;
      expect(remoteSpanContext(caller)).toEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: Number(flags),
        isRemote: true,
      });
      expect(formatTraceparent(remoteSpanContext(caller))).toBe(caller.traceparent);
    }
  });
});

describe("setTraceHeaders", () => {
  it("sets traceparent, and tracestate only when the span carries one", () => {
    const plain = new Headers({ traceparent: "stale" });
    setTraceHeaders(plain, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    expect([...plain]).toEqual([["traceparent", `00-${TRACE_ID}-${SPAN_ID}-01`]]);
    const withState = new Headers();
    const traceState = createTraceState("vendor=abc");
    setTraceHeaders(withState, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState });
    expect(withState.get("tracestate")).toBe("vendor=abc");
  });
});

describe("withTraceHeaders", () => {
  const span = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 };
  const traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`;

  it("adds the span's traceparent to any HeadersInit shape, replacing the caller's, leaving it untouched", () => {
    const record = { "X-Request-ID": "r1", TraceParent: "stale", authorization: "Bearer t" };
    const pairs = [
      ["x-request-id", "r1"],
      ["traceparent", "stale"],
      ["tracestate", "old=1"],
    ];
    const headers = new Headers({ "x-request-id": "r1", traceparent: "stale" });
    expect(withTraceHeaders(record, span)).toEqual([
      ["X-Request-ID", "r1"],
      ["authorization", "Bearer t"],
      ["traceparent", traceparent],
    ]);
    expect(withTraceHeaders(pairs, span)).toEqual([
      ["x-request-id", "r1"],
      ["traceparent", traceparent],
    ]);
    expect(withTraceHeaders(headers, span)).toEqual([
      ["x-request-id", "r1"],
      ["traceparent", traceparent],
    ]);
    expect(withTraceHeaders(undefined, span)).toEqual([["traceparent", traceparent]]);
    expect(record.TraceParent).toBe("stale");
    expect(pairs).toHaveLength(3);
    expect(headers.get("traceparent")).toBe("stale");
  });

  it("adds tracestate when the span carries one", () => {
    const traceState = createTraceState("vendor=abc");
    expect(withTraceHeaders({ tracestate: "old=1" }, { ...span, traceState })).toEqual([
      ["traceparent", traceparent],
      ["tracestate", "vendor=abc"],
    ]);
  });
});

describe("randomHexId", () => {
  it("gives lowercase hex ids of the asked size, different each time, across pool refills", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const traceId = randomHexId(16);
      const spanId = randomHexId(8);
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(traceId).not.toMatch(/^0+$/);
      ids.add(traceId).add(spanId);
    }
    expect(ids.size).toBe(4_000);
  });
});
