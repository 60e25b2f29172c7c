import type { CallOptions, HandlerContext } from "@connectrpc/connect";
import { REQUEST_ID_HEADER, requestIdKey } from "../rpc/request-id.js";
import { traceContextKey } from "../rpc/trace-context.js";

/**
 * propagatedCallOptions are the options for a call a handler makes on its
 * caller's behalf: the caller's cancellation, a deadline no later than the
 * caller's (and at most `maxTimeoutMs`), and the request id and trace
 * context, so one request can be followed across every hop.
 */
export function propagatedCallOptions(ctx: HandlerContext, maxTimeoutMs: number): CallOptions {
  const remaining = ctx.timeoutMs();
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: ctx.values.get(requestIdKey) };
  const trace = ctx.values.get(traceContextKey);
  // The server span's traceparent when tracing (a tracing client then
  // replaces it with its own CLIENT span's), else the caller's, verbatim.
  if (trace !== undefined) headers.traceparent = trace.traceparent;
  if (trace?.tracestate !== undefined) headers.tracestate = trace.tracestate;
  return {
    signal: ctx.signal,
    // Never 0 or less: the platform client fails an expired deadline at once.
    timeoutMs: Math.min(maxTimeoutMs, remaining ?? maxTimeoutMs),
    headers,
  };
}
