import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { platformError } from "../rpc/platform-error.js";
import { rpcPolicyOf } from "../rpc/rpc-policy.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { RetryBudget } from "./retry-budget.js";

/** The ErrorInfo reason of calls refused by an open circuit. */
export const CIRCUIT_OPEN = "CIRCUIT_OPEN";

// Codes that say the upstream (not this request) failed. DEADLINE_EXCEEDED
// counts for the breaker (a hung upstream) but is never retried: the
// deadline covers all attempts, so there is no time left to retry in.
const UPSTREAM_FAILURES = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
]);
const RETRYABLE = new Set([Code.Unavailable]);

/**
 * createCircuitBreakerInterceptor fails calls fast with UNAVAILABLE while the
 * upstream's circuit is open, and feeds every outcome to the breaker.
 */
export function createCircuitBreakerInterceptor(
  breaker: CircuitBreaker,
  upstream: string,
): Interceptor {
  return (next) => async (req) => {
    if (!breaker.allow()) {
      throw platformError(
        Code.Unavailable,
        CIRCUIT_OPEN,
        `${upstream} is unavailable (circuit open)`,
      );
    }
    try {
      const res = await next(req);
      breaker.record(false);
      return res;
    } catch (err) {
      breaker.record(UPSTREAM_FAILURES.has(ConnectError.from(err).code));
      throw err;
    }
  };
}

/** Options for {@link createRetryInterceptor}. */
export interface RetryOptions {
  readonly budget: RetryBudget;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * createRetryInterceptor retries unary calls that failed with UNAVAILABLE,
 * only for RPCs whose proto policy says `idempotent: true`, with exponential
 * backoff and full jitter (a random delay in [0, min(max, base * 2^n)]), within
 * the call's own deadline, and only while the retry budget allows. A refusal
 * by an open circuit is not retried: the breaker already decided.
 */
export function createRetryInterceptor(options: RetryOptions): Interceptor {
  const { budget, maxAttempts = 3, baseDelayMs = 25, maxDelayMs = 1_000 } = options;
  return (next) => async (req) => {
    const idempotent = !req.stream && rpcPolicyOf(req.method).idempotent;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await next(req);
        budget.record(true);
        return res;
      } catch (err) {
        const error = ConnectError.from(err);
        budget.record(false);
        const retry =
          idempotent &&
          attempt < maxAttempts &&
          RETRYABLE.has(error.code) &&
          !isCircuitOpen(error) &&
          budget.canRetry() &&
          !req.signal.aborted;
        if (!retry) throw err;
        await sleep(
          Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)),
          req.signal,
        );
      }
    }
  };
}

function isCircuitOpen(error: ConnectError): boolean {
  return error.findDetails(ErrorInfoSchema).some((info) => info.reason === CIRCUIT_OPEN);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
