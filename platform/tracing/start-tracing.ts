import { context, propagation, ROOT_CONTEXT, type Tracer, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "pino";
import type { PlatformTracer } from "./lean-tracer.js";
import { attr } from "./semconv.js";
import { serviceNameProcessor } from "./service-name-processor.js";
import { tracerFor } from "./tracer-for.js";
import {
  type ActiveTracing,
  activeTracing,
  setActiveTracing,
  type TracingProvider,
} from "./tracing-state.js";

/** TracingOptions configure {@link startTracing}. */
export interface TracingOptions {
  /** The service (`service.name`); also its tracer's name. */
  readonly service: string;
  /** `service.version`. */
  readonly version: string;
  /**
   * The OTLP/gRPC collector, `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g.
   * `http://otel-collector:4317` (`http://` is plaintext, `https://` TLS).
   * Tracing is off without it.
   */
  readonly endpoint?: string | undefined;
  /** Share of new traces recorded, 0..1; a caller's decision is always followed. Default 1. */
  readonly sampleRatio?: number | undefined;
  /**
   * Whether spans find their parent through async calls (OpenTelemetry's
   * AsyncLocalStorage context manager). Default true: a service's handlers,
   * queries and events rely on it. A process that hands every parent over
   * explicitly (the gateway) says false and spares every promise
   * AsyncLocalStorage's hooks, about half the gateway's tracing cost
   * (docs/benchmarks.md). Processes running several services register it
   * as soon as one asks for it.
   */
  readonly asyncContext?: boolean | undefined;
  /**
   * Where failed exports and OpenTelemetry's warnings are logged
   * (logTelemetryErrors); the first call's, like `sampleRatio`. Without
   * one they go nowhere.
   */
  readonly logger?: Logger | undefined;
}

/** Tracing is a handle on the process's tracing. */
export interface Tracing {
  /** Whether spans are made and exported. */
  readonly enabled: boolean;
  /** The service's tracer (a no-op one when tracing is off). */
  readonly tracer: Tracer;
  /** Exports every finished span now; rejects if the collector refuses them. */
  flush(): Promise<void>;
  /**
   * Flushes, and releases this handle; the last handle of the process
   * shuts the provider down and unregisters it. It never rejects: spans
   * are telemetry, and an unreachable collector must not stop a drain (it
   * is logged instead).
   * Safe to call twice.
   */
  shutdown(): Promise<void>;
}

/**
 * startTracing turns on OpenTelemetry tracing for the process when
 * `endpoint` is set: spans are batched (EncodingBatchProcessor, the SDK's
 * BatchSpanProcessor encoding each span as it ends) to an OTLP/gRPC
 * exporter, context follows async calls (AsyncLocalStorage) unless
 * `asyncContext` is false, W3C `traceparent` is the propagation format, and
 * failed exports and OpenTelemetry's warnings are logged to `logger`
 * (logTelemetryErrors).
 * Without an endpoint nothing is loaded or registered and the platform
 * makes no spans at all.
 *
 * There is one provider per process. Several services started in one
 * process (dev, tests) share it: a later call with the same endpoint, or
 * none, reuses it; a different endpoint is refused. The resource's
 * `service.name` is therefore the first service's; each span also carries
 * `service.name` as an attribute naming its own service (see
 * serviceNameProcessor), and `sampleRatio` and `logger` are the first call's.
 *
 * Call it, and await it, before building servers and clients: they check
 * once, when built, whether to trace.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  let active = activeTracing();
  if (active !== undefined && options.endpoint && options.endpoint !== active.endpoint) {
    throw new Error(
      `tracing already exports to ${active.endpoint}; one process has one endpoint, not also ${options.endpoint}`,
    );
  }
  if (active === undefined && options.endpoint) active = begin(options.endpoint, options);
  if (active === undefined) return disabled(options.service);
  active.refs++;
  const provider = await active.ready;
  if (options.asyncContext !== false) provider.enableAsyncContext();
  return handle(active, options.service);
}

// The state is recorded before the SDK has loaded, so concurrent starts
// share one provider; spans are made once it is registered.
function begin(endpoint: string, options: TracingOptions): ActiveTracing {
  const active: ActiveTracing = {
    endpoint,
    refs: 0,
    provider: undefined,
    ready: register(endpoint, options).then(
      (provider) => {
        active.provider = provider;
        return provider;
      },
      (err: unknown) => {
        setActiveTracing(undefined);
        throw err;
      },
    ),
  };
  setActiveTracing(active);
  return active;
}

function disabled(service: string): Tracing {
  return {
    enabled: false,
    tracer: trace.getTracer(service),
    flush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

function handle(active: ActiveTracing, service: string): Tracing {
  let released = false;
  return {
    enabled: true,
    tracer: tracerFor(service)!,
    flush: () => active.ready.then((p) => p.forceFlush()),
    async shutdown() {
      if (released) return;
      released = true;
      const provider = await active.ready;
      if (--active.refs > 0) return provider.forceFlush().catch(provider.report);
      setActiveTracing(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

// The SDK and exporter load only when tracing is on: they are most of
// OpenTelemetry's start-up cost, and a process without an endpoint skips it.
async function register(endpoint: string, options: TracingOptions): Promise<TracingProvider> {
  const [
    sdk,
    { resourceFromAttributes, defaultResource },
    core,
    hooks,
    lean,
    exporter,
    batching,
    errors,
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/core"),
    import("@opentelemetry/context-async-hooks"),
    import("./lean-tracer.js"),
    import("./otlp-trace-exporter.js"),
    import("./encoding-batch-processor.js"),
    import("./log-telemetry-errors.js"),
  ]);
  // First, so that the batch processor's warnings about its settings are logged.
  const telemetryErrors = options.logger && errors.logTelemetryErrors(options.logger);
  const report = (err: unknown) => telemetryErrors?.report(err);
  const ratio = options.sampleRatio ?? 1;
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [attr.serviceName]: options.service,
      [attr.serviceVersion]: options.version,
    }),
  );
  const root = ratio >= 1 ? new sdk.AlwaysOnSampler() : new sdk.TraceIdRatioBasedSampler(ratio);
  const batch = new batching.EncodingBatchProcessor(exporter.createOtlpTraceExporter(endpoint));
  const provider = new sdk.BasicTracerProvider({
    resource,
    sampler: new sdk.ParentBasedSampler({ root }),
    spanProcessors: [serviceNameProcessor(), batch],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    telemetryErrors?.close();
    throw new Error("another OpenTelemetry tracer provider is registered in this process");
  }
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  const leanOptions = {
    sink: { resource, onEnd: (span: ReadableSpan) => batch.onEnd(span) },
    sampleRoot: (traceId: string) =>
      ratio >= 1 ||
      root.shouldSample(ROOT_CONTEXT, traceId).decision === sdk.SamplingDecision.RECORD_AND_SAMPLED,
  };
  const tracers = new Map<string, PlatformTracer>();
  let asyncContext = false;
  return {
    enableAsyncContext() {
      if (asyncContext) return;
      asyncContext = true;
      context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
    },
    forceFlush: () => provider.forceFlush(),
    report,
    async shutdown() {
      // Spans the collector did not take at shutdown are logged, not thrown:
      // a drain must not stop on telemetry.
      await provider.shutdown().catch(report);
      telemetryErrors?.close();
    },
    tracer(service) {
      let tracer = tracers.get(service);
      if (tracer === undefined) {
        tracer = lean.createLeanTracer(service, leanOptions);
        tracers.set(service, tracer);
      }
      return tracer;
    },
  };
}
