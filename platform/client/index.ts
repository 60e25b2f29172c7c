export { type CircuitBreaker, type CircuitState, createCircuitBreaker } from "./circuit-breaker.js";
export { createServiceClient, type ServiceClient } from "./create-service-client.js";
export {
  createUpstreamTransport,
  type UpstreamTransport,
  type UpstreamTransportOptions,
} from "./create-upstream-transport.js";
export {
  createFastGrpcTransport,
  type FastGrpcTransport,
  type FastGrpcTransportOptions,
} from "./fast-grpc-transport.js";
export {
  type ClientTlsOptions,
  createHttp2SessionPool,
  type Http2SessionPool,
  type Http2SessionPoolOptions,
} from "./http2-session-pool.js";
export {
  CIRCUIT_OPEN,
  DEFAULT_RETRY,
  type Resilience,
  type RetrySettings,
  resilientUnary,
} from "./resilient-unary.js";
export { createRetryBudget, type RetryBudget } from "./retry-budget.js";
export { createTracingInterceptor } from "./tracing-interceptor.js";
