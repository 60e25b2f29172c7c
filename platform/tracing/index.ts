export { endSpan, errorTypeOf } from "./end-span.js";
export type { PlatformTracer } from "./lean-tracer.js";
export { attr } from "./semconv.js";
export { serviceNameProcessor } from "./service-name-processor.js";
export { startTracing, type Tracing, type TracingOptions } from "./start-tracing.js";
export { httpRequestTracer, nameHttpRoute, traceHttpRequest } from "./trace-http-request.js";
export { traceServerCall } from "./trace-server-call.js";
export {
  contextFromTraceparent,
  currentTraceparent,
  formatTraceparent,
  setTraceHeaders,
  TRACEPARENT,
  traceparentOf,
} from "./traceparent.js";
export { PLATFORM_TRACER, tracerFor } from "./tracer-for.js";
