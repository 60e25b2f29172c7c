import type { PlatformTracer } from "./lean-tracer.js";

/** TracingProvider is the part of the SDK's tracer provider the platform drives. */
export interface TracingProvider {
  /** Registers the AsyncLocalStorage context manager, once (TracingOptions.asyncContext). */
  enableAsyncContext(): void;
  forceFlush(): Promise<void>;
  /** Logs a failure to the logger given to startTracing, if any. */
  report(err: unknown): void;
  /** Exports what is left and stops; never rejects (a failure is reported). */
  shutdown(): Promise<void>;
  /** The platform's tracer for a service, one per name (see createLeanTracer). */
  tracer(service: string): PlatformTracer;
}

/** ActiveTracing is the process's one tracer provider, shared by every service in it. */
export interface ActiveTracing {
  /** The OTLP/gRPC endpoint its spans go to. */
  readonly endpoint: string;
  /** Resolves once the provider is registered as the global one. */
  readonly ready: Promise<TracingProvider>;
  /** Set when `ready` resolves; spans are only made from then on. */
  provider: TracingProvider | undefined;
  /** Handles from startTracing not yet shut down. */
  refs: number;
}

// On globalThis, as the OpenTelemetry API keeps its own globals: a module
// loaded twice (test runners re-evaluate modules) must see the same state.
const KEY = Symbol.for("protoplane.tracing");
type Holder = { [KEY]?: ActiveTracing | undefined };

/** activeTracing is the process's tracing, or undefined when tracing is off. */
export function activeTracing(): ActiveTracing | undefined {
  return (globalThis as Holder)[KEY];
}

/** setActiveTracing records (or, with undefined, forgets) the process's tracing. */
export function setActiveTracing(tracing: ActiveTracing | undefined): void {
  (globalThis as Holder)[KEY] = tracing;
}
