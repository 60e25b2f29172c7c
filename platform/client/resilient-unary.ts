import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { sleep } from "../async/sleep.js";
import { platformError } from "../rpc/platform-error.js";
import { rpcPolicyOf } from "../rpc/rpc-policy.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { RetryBudget } from "./retry-budget.js";

/** The ErrorInfo reason of calls refused by an open circuit. */
export const CIRCUIT_OPEN = "CIRCUIT_OPEN";

/** RetrySettings bound the retries of idempotent RPCs. */
export interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** DEFAULT_RETRY: three attempts, backoff from 25 ms up to 1 s. */
export const DEFAULT_RETRY: RetrySettings = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 25,
  maxDelayMs: 1_000,
});

/** Resilience is one upstream's breaker, retry budget and retry settings. */
export interface Resilience {
  readonly upstream: string;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget;
  readonly retry: RetrySettings;
  /** The deadline of a call that brings none. */
  readonly defaultTimeoutMs: number;
}

// Codes that say the upstream, not this request, failed. Only UNAVAILABLE is
// retried: DEADLINE_EXCEEDED leaves no time, and the others may have had effects.
const UPSTREAM_FAILURES = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
]);

type Unary = Transport["unary"];

/**
 * resilientUnary wraps a transport's unary path in the platform's call
 * resilience: a circuit breaker per upstream, and retries of RPCs whose proto
 * policy says `idempotent: true`, on UNAVAILABLE only, with exponential
 * backoff and full jitter, within the call's one deadline (capped by the
 * policy's timeout), while the retry budget allows (gRFC A6: only retryable
 * failures drain it). A plain loop, not Connect interceptors: those cost an
 * AbortController pair per call, measured at 45% of the gateway's throughput.
 */
export function resilientUnary(unary: Unary, r: Resilience): Unary {
  return async <I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: Parameters<Unary>[3],
    input: MessageInitShape<I>,
    contextValues?: ContextValues,
  ): Promise<UnaryResponse<I, O>> => {
    const policy = rpcPolicyOf(method);
    const budgetMs = Math.min(
      timeoutMs ?? r.defaultTimeoutMs,
      policy.timeoutMs ?? Number.POSITIVE_INFINITY,
    );
    const deadline = performance.now() + budgetMs;
    for (let attempt = 1; ; attempt++) {
      if (!r.breaker.allow()) throw circuitOpen(r.upstream);
      // Each attempt gets what is left of the one deadline (sent as grpc-timeout).
      const remaining = Math.max(0, Math.floor(deadline - performance.now()));
      try {
        const res = await unary(method, signal, remaining, header, input, contextValues);
        r.breaker.record(false);
        r.budget.record(true);
        return res;
      } catch (err) {
        const code = ConnectError.from(err).code;
        r.breaker.record(UPSTREAM_FAILURES.has(code));
        if (code === Code.Unavailable) r.budget.record(false);
        const delayMs = backoffMs(attempt, r.retry);
        const retry =
          policy.idempotent &&
          code === Code.Unavailable &&
          attempt < r.retry.maxAttempts &&
          r.budget.canRetry() &&
          !signal?.aborted &&
          performance.now() + delayMs < deadline;
        if (!retry) throw err;
        await sleep(delayMs, signal);
      }
    }
  };
}

// Full jitter: a random delay in [0, min(max, base * 2^(attempt-1))].
function backoffMs(attempt: number, retry: RetrySettings): number {
  return Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
}

// As far as a caller can tell, the upstream is down: UNAVAILABLE, without
// naming the internal service in the message (the gateway shows messages to
// the public); the ErrorInfo carries the name for logs.
function circuitOpen(upstream: string): ConnectError {
  const err = platformError(
    Code.Unavailable,
    CIRCUIT_OPEN,
    "the service is temporarily unavailable",
  );
  err.metadata.set("x-upstream", upstream);
  return err;
}
