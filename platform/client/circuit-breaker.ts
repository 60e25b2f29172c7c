/** The three states of a circuit breaker. */
export type CircuitState = "closed" | "open" | "half-open";

/** CircuitBreaker guards one upstream. */
export interface CircuitBreaker {
  /** Whether a call may go out now. In half-open state only one probe may. */
  allow(): boolean;
  /** Records an attempt's outcome; `failure` means the upstream, not the request, failed. */
  record(failure: boolean): void;
  state(): CircuitState;
}

/** Options for {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive upstream failures that open the circuit. */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one probe call is let through. */
  readonly openMs?: number;
  readonly now?: () => number;
}

/**
 * createCircuitBreaker opens after `failureThreshold` consecutive upstream
 * failures, answers callers at once while open, then lets one probe through
 * after `openMs`: its success closes the circuit, its failure reopens it.
 * So with an upstream down, callers get UNAVAILABLE in microseconds instead
 * of waiting for their deadline, and recovery needs no operator.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const { failureThreshold = 5, openMs = 2_000, now = Date.now } = options;
  let state: CircuitState = "closed";
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  return {
    allow() {
      if (state === "closed") return true;
      if (state === "open" && now() - openedAt >= openMs) state = "half-open";
      if (state === "half-open" && !probing) {
        probing = true;
        return true;
      }
      return false;
    },
    record(failure) {
      probing = false;
      if (!failure) {
        state = "closed";
        failures = 0;
        return;
      }
      failures++;
      if (state === "half-open" || failures >= failureThreshold) {
        state = "open";
        openedAt = now();
      }
    },
    state: () => state,
  };
}
