import { createContextKey } from "@connectrpc/connect";

/** TraceContext is the caller's W3C trace context, as far as logs need it. */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
}

/** traceContextKey holds the incoming trace context in `HandlerContext.values`. */
export const traceContextKey = createContextKey<TraceContext | undefined>(undefined, {
  description: "W3C trace context of the caller",
});

// version "-" trace-id "-" parent-id "-" flags; all-zero ids are invalid
// (https://www.w3.org/TR/trace-context/#traceparent-header).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * traceContextFrom parses a `traceparent` header so every log line of the
 * call carries trace_id and span_id. Malformed or all-zero values are ignored.
 */
export function traceContextFrom(
  header: string | string[] | undefined | null,
): TraceContext | undefined {
  if (typeof header !== "string") return undefined;
  const m = TRACEPARENT.exec(header);
  if (m === null || m[1] === "ff" || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]! };
}
