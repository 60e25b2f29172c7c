import type { Interceptor } from "@connectrpc/connect";
import { PLATFORM_TRACER, tracerFor } from "../tracing/tracer-for.js";
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from "./circuit-breaker.js";
import {
  createFastGrpcTransport,
  type FastGrpcTransport,
  type FastGrpcTransportOptions,
} from "./fast-grpc-transport.js";
import { DEFAULT_RETRY, type RetrySettings, resilientUnary } from "./resilient-unary.js";
import { createRetryBudget } from "./retry-budget.js";
import { createTracingInterceptor, tracedUnary } from "./tracing-interceptor.js";

/** Options for {@link createUpstreamTransport}. */
export interface UpstreamTransportOptions extends FastGrpcTransportOptions {
  /** The upstream service's name, for logs and status. */
  readonly upstream: string;
  readonly breaker?: CircuitBreakerOptions;
  readonly retry?: Partial<RetrySettings>;
}

/** UpstreamTransport is a resilient transport to one upstream service. */
export interface UpstreamTransport extends FastGrpcTransport {
  readonly breaker: CircuitBreaker;
}

/**
 * createUpstreamTransport is how a service (or the gateway) calls another:
 * the fast mTLS transport, its unary path wrapped in {@link resilientUnary}
 * (circuit breaker, retries of idempotent RPCs with a budget), per upstream.
 * When the process traces, each attempt is a CLIENT span carrying `traceparent`.
 */
export function createUpstreamTransport(options: UpstreamTransportOptions): UpstreamTransport {
  const breaker = createCircuitBreaker(options.breaker);
  const tracer = tracerFor(PLATFORM_TRACER);
  // Streams are traced by an interceptor; unary calls by a plain wrapper, so
  // they stay on the fast path with tracing on.
  const streamTracing: Interceptor[] = tracer
    ? [createTracingInterceptor(tracer, options.baseUrl)]
    : [];
  const transport = createFastGrpcTransport({ ...options, streamInterceptors: streamTracing });
  const fast = transport.unary.bind(transport);
  const traced = tracer ? tracedUnary(fast, tracer, options.baseUrl) : fast;
  const unary = resilientUnary(traced, {
    upstream: options.upstream,
    breaker,
    budget: createRetryBudget(),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    defaultTimeoutMs: options.defaultTimeoutMs ?? 10_000,
  });
  return Object.assign(transport, { breaker, unary });
}
