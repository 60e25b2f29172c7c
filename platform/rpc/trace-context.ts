import { createContextKey } from "@connectrpc/connect";
import { createTraceState } from "@opentelemetry/api";

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
  /**
   * The W3C `tracestate` that came with it (vendors' entries, e.g. a
   * sampler's), which every hop passes on; undefined when there was none.
   */
  readonly tracestate: string | undefined;
}

/** traceContextKey holds the call's trace context in `HandlerContext.values`. */
export const traceContextKey = createContextKey<TraceContext | undefined>(undefined, {
  description: "W3C trace context of the call",
});

// version "-" trace-id "-" parent-id "-" flags, then more fields in a later
// version; all-zero ids are invalid
// (https://www.w3.org/TR/trace-context/#traceparent-header).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-|$)/;
const VERSION_00_LENGTH = 55;

/**
 * traceContextFrom parses a caller's `traceparent` (and `tracestate`)
 * headers so every log line of the call carries trace_id and span_id, and
 * keeps them to propagate. Malformed or all-zero values are ignored, as is
 * a `tracestate` without a valid `traceparent`. A later version's header is
 * read as version 00, as the spec asks, and passed on as 00; `tracestate`
 * is passed on as OpenTelemetry parses it (at most 32 valid entries), list
 * headers joined.
 */
export function traceContextFrom(
  header: string | string[] | undefined | null,
  stateHeader?: string | string[] | undefined | null,
): TraceContext | undefined {
  if (typeof header !== "string") return undefined;
  const m = TRACEPARENT.exec(header);
  if (m === null || m[1] === "ff" || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  const v00 = m[1] === "00";
  if (v00 && header.length !== VERSION_00_LENGTH) return undefined;
  return {
    traceId: m[2]!,
    spanId: m[3]!,
    traceparent: v00 ? header : `00-${m[2]}-${m[3]}-${m[4]}`,
    tracestate: stateHeader == null ? undefined : tracestateOf(stateHeader),
  };
}

function tracestateOf(header: string | string[]): string | undefined {
  const joined = typeof header === "string" ? header : header.join(",");
  return createTraceState(joined).serialize() || undefined;
}
