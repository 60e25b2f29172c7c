import type { PlatformTracer } from "./lean-tracer.js";
import { activeTracing } from "./tracing-state.js";

/** PLATFORM_TRACER names the tracer of platform code that serves no one service (RPC clients). */
export const PLATFORM_TRACER = "protoplane";

/**
 * tracerFor is `service`'s tracer when this process exports traces, and
 * undefined when it does not. Callers ask once, when they are built, and
 * skip all span work on undefined: with tracing off the hot path creates no
 * span and switches no context (STYLE.md 15). Its spans are the platform's
 * lean ones, named after `service` (see createLeanTracer).
 */
export function tracerFor(service: string): PlatformTracer | undefined {
  return activeTracing()?.provider?.tracer(service);
}
