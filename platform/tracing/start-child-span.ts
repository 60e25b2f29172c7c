import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { PlatformTracer } from "./lean-tracer.js";

/** StartChildSpan starts a span under a parent at hand (a root span when undefined). */
export type StartChildSpan = (
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Span | SpanContext | undefined,
) => Span;

/**
 * childSpanStarter is `tracer`'s way to start a span under a known parent:
 * the platform tracer's direct entry (PlatformTracer.startChild), or, for
 * any other OpenTelemetry tracer, startSpan with the parent in a Context.
 * Callers take it once, when built.
 */
export function childSpanStarter(tracer: Tracer): StartChildSpan {
  const platform = tracer as Partial<PlatformTracer>;
  if (typeof platform.startChild === "function") return platform.startChild;
  return (name, kind, attributes, parent) =>
    tracer.startSpan(name, { kind, attributes }, parentContext(parent));
}

function parentContext(parent: Span | SpanContext | undefined) {
  if (parent === undefined) return ROOT_CONTEXT;
  return "spanContext" in parent
    ? trace.setSpan(ROOT_CONTEXT, parent)
    : trace.setSpanContext(ROOT_CONTEXT, parent);
}
