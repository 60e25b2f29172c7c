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
import {
  createCircuitBreakerInterceptor,
  createRetryInterceptor,
  type RetryOptions,
} from "./resilience-interceptors.js";
import { createRetryBudget } from "./retry-budget.js";
import { createTracingInterceptor } from "./tracing-interceptor.js";

/** Options for {@link createUpstreamTransport}. */
export interface UpstreamTransportOptions extends FastGrpcTransportOptions {
  /** The upstream service's name, for error messages. */
  readonly upstream: string;
  readonly breaker?: CircuitBreakerOptions;
  readonly retry?: Omit<RetryOptions, "budget">;
}

/** UpstreamTransport is a resilient transport to one upstream service. */
export interface UpstreamTransport extends FastGrpcTransport {
  readonly breaker: CircuitBreaker;
}

/**
 * createUpstreamTransport is how a service calls another: the fast mTLS
 * transport, with retries of idempotent RPCs (backoff, full jitter, retry
 * budget) around a circuit breaker, all per upstream. Retries sit outside the
 * breaker so every attempt counts towards it. When the process traces, each
 * attempt the breaker lets through is a CLIENT span carrying `traceparent`.
 */
export function createUpstreamTransport(options: UpstreamTransportOptions): UpstreamTransport {
  const breaker = createCircuitBreaker(options.breaker);
  const tracer = tracerFor(PLATFORM_TRACER);
  const tracing: Interceptor[] = tracer ? [createTracingInterceptor(tracer, options.baseUrl)] : [];
  const transport = createFastGrpcTransport({
    ...options,
    interceptors: [
      createRetryInterceptor({ ...options.retry, budget: createRetryBudget() }),
      createCircuitBreakerInterceptor(breaker, options.upstream),
      ...tracing,
      ...(options.interceptors ?? []),
    ],
  });
  return Object.assign(transport, { breaker });
}
