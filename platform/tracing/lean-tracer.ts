import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { isAttributeValue, isTracingSuppressed } from "@opentelemetry/core";
import { type LeanScope, LeanSpan, type SpanSink } from "./lean-span.js";
import { attr } from "./semconv.js";
import { randomHexId } from "./span-ids.js";
import { PLATFORM_TRACER } from "./tracer-for.js";

/**
 * PlatformTracer is an OpenTelemetry Tracer with one more entry point for
 * the platform's per-call spans, whose parent is already at hand (parsed
 * from `traceparent`, or the span being served): no Context is built to
 * carry it in, and none is searched to find it.
 */
export interface PlatformTracer extends Tracer {
  /**
   * startChild starts a span under `parent` (a root span when undefined).
   * The span keeps `attributes` as its own: pass a fresh object of
   * defined values.
   */
  startChild(
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    parent: Span | SpanContext | undefined,
  ): Span;
}

/** LeanTracerOptions are what every tracer of a process shares. */
export interface LeanTracerOptions {
  readonly sink: SpanSink;
  /**
   * Whether a new trace is recorded: the SDK's root sampler (ratio-based
   * below 100%). A trace started by a caller follows the caller's flag, as
   * the SDK's ParentBasedSampler does.
   */
  sampleRoot(traceId: string): boolean;
}

/**
 * createLeanTracer makes the tracer named `name` (its instrumentation
 * scope, and the span's service): spans are {@link LeanSpan}s handed
 * straight to the batch processor when they end. `service.name` is
 * written on a span only when it differs from the resource's, which is
 * when several services share a process (development, tests); platform
 * code serving no one service (PLATFORM_TRACER) takes its in-process
 * parent's service.
 */
export function createLeanTracer(name: string, options: LeanTracerOptions): PlatformTracer {
  const scope: LeanScope = { sink: options.sink, instrumentationScope: { name } };
  const resourceService = options.sink.resource.attributes[attr.serviceName];
  const start = (
    spanName: string,
    kind: SpanKind,
    attributes: Attributes,
    parent: Span | SpanContext | undefined,
    spanOptions?: SpanOptions,
  ): Span => {
    const parentContext = parent === undefined ? undefined : contextOf(parent);
    const valid = parentContext !== undefined && trace.isSpanContextValid(parentContext);
    const traceId = valid ? parentContext.traceId : randomHexId(16);
    const spanId = randomHexId(8);
    const sampled = valid
      ? (parentContext.traceFlags & TraceFlags.SAMPLED) !== 0
      : options.sampleRoot(traceId);
    if (!sampled) return trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE });
    const service = name === PLATFORM_TRACER && parent instanceof LeanSpan ? parent.service : name;
    if (service !== resourceService) attributes[attr.serviceName] = service;
    const spanContext: SpanContext = {
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      traceState: valid ? parentContext.traceState : undefined,
    };
    return new LeanSpan(
      scope,
      service,
      spanName,
      kind,
      spanContext,
      valid ? parentContext : undefined,
      attributes,
      spanOptions?.links?.slice(),
      spanOptions?.startTime,
    );
  };
  return {
    startChild: start,
    startSpan(spanName, spanOptions = {}, ctx = context.active()) {
      if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      const parent = spanOptions.root ? undefined : trace.getSpan(ctx);
      const attributes = validAttributes(spanOptions.attributes);
      return start(
        spanName,
        spanOptions.kind ?? SpanKind.INTERNAL,
        attributes,
        parent,
        spanOptions,
      );
    },
    startActiveSpan<F extends (span: Span) => unknown>(
      spanName: string,
      ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
    ): ReturnType<F> {
      const fn = args[args.length - 1] as F;
      const spanOptions = args.length > 1 ? (args[0] as SpanOptions) : undefined;
      const ctx = args.length > 2 ? (args[1] as Context) : context.active();
      const span = this.startSpan(spanName, spanOptions, ctx);
      const run = fn as (span: Span) => ReturnType<F>;
      return context.with(trace.setSpan(ctx, span), run, undefined, span);
    },
  } as PlatformTracer;
}

function contextOf(parent: Span | SpanContext): SpanContext {
  return typeof (parent as Span).spanContext === "function"
    ? (parent as Span).spanContext()
    : (parent as SpanContext);
}

// What the SDK keeps of caller-given attributes: defined, valid values.
function validAttributes(given: Attributes | undefined): Attributes {
  const attributes: Attributes = {};
  for (const key in given) {
    const value = given[key];
    if (value != null && isAttributeValue(value)) attributes[key] = value;
  }
  return attributes;
}
