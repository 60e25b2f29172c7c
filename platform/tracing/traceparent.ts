import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import { activeTracing } from "./tracing-state.js";

/** TRACEPARENT is the W3C header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export const TRACEPARENT = "traceparent";

const fromString: TextMapGetter<string> = {
  keys: () => [TRACEPARENT],
  get: (carrier, key) => (key === TRACEPARENT ? carrier : undefined),
};

const headersSetter: TextMapSetter<Headers> = {
  set: (headers, key, value) => headers.set(key, value),
};

/**
 * contextFromTraceparent is the context a span started by a remote caller
 * hangs under: the caller's span, extracted by the registered W3C
 * propagator, or the root context when there is no (valid) header. It
 * never inherits the active context: an incoming request starts afresh.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, traceparent, fromString);
}

/** traceparentOf is the `traceparent` naming the span of `ctx`, if it has a valid one. */
export function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier[TRACEPARENT];
}

/** injectTraceparent sets the `traceparent` naming `span` on outgoing request headers. */
export function injectTraceparent(headers: Headers, span: Span): void {
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers, headersSetter);
}

/**
 * currentTraceparent is the active span's `traceparent`, or undefined when
 * this process does not trace (or no span is active): what a message
 * written now should carry so its consumers join the trace.
 */
export function currentTraceparent(): string | undefined {
  return activeTracing()?.provider === undefined ? undefined : traceparentOf(context.active());
}
