import { createContextKey } from "@connectrpc/connect";

/**
 * TraceContext is the call's place in its trace, as far as logs and
 * propagation need it. It starts as the caller's (from `traceparent`); when
 * the process traces, the call's server span replaces it (see
 * platform/tracing's traceServerCall), so log lines name the server span
 * and calls made on the caller's behalf hang under it.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The W3C `traceparent` naming the span above: what to send downstream. */
  readonly traceparent: string;
}

/** traceContextKey holds the call's trace context in `HandlerContext.values`. */
export const traceContextKey = createContextKey<TraceContext | undefined>(undefined, {
  description: "W3C trace context of the call",
});

// version "-" trace-id "-" parent-id "-" flags; all-zero ids are invalid
// (https://www.w3.org/TR/trace-context/#traceparent-header).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * traceContextFrom parses a caller's `traceparent` header so every log line
 * of the call carries trace_id and span_id, and keeps the header to
 * propagate. Malformed or all-zero values are ignored.
 */
export function traceContextFrom(
  header: string | string[] | undefined | null,
): TraceContext | undefined {
  if (typeof header !== "string") return undefined;
  const m = TRACEPARENT.exec(header);
  if (m === null || m[1] === "ff" || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, traceparent: header };
}
