import { trace } from "@opentelemetry/api";
import type { Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { attr } from "./semconv.js";
import { PLATFORM_TRACER } from "./tracer-for.js";

/**
 * serviceNameProcessor stamps `service.name` on every span made through
 * the SDK's own tracers (`trace.getTracer`, third-party instrumentation);
 * the platform's tracers (tracerFor) name the service themselves. A
 * provider has one resource, so when several services share a process
 * (development, tests) the resource names only the first; the attribute
 * names the right one. It is the span's tracer name, or, for platform code
 * that serves no one service (RPC clients), its in-process parent's.
 */
export function serviceNameProcessor(): SpanProcessor {
  return {
    onStart(span: Span, parentContext) {
      const parent = trace.getSpan(parentContext) as Partial<Span> | undefined;
      const inherited = parent?.attributes?.[attr.serviceName];
      const own = span.instrumentationScope.name;
      span.setAttribute(
        attr.serviceName,
        inherited !== undefined && own === PLATFORM_TRACER ? inherited : own,
      );
    },
    onEnd: () => {},
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
