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
 * breaker so every attempt counts towards it.
 */
export function createUpstreamTransport(options: UpstreamTransportOptions): UpstreamTransport {
  const breaker = createCircuitBreaker(options.breaker);
  const transport = createFastGrpcTransport({
    ...options,
    interceptors: [
      createRetryInterceptor({ ...options.retry, budget: createRetryBudget() }),
      createCircuitBreakerInterceptor(breaker, options.upstream),
      ...(options.interceptors ?? []),
    ],
  });
  return Object.assign(transport, { breaker });
}
