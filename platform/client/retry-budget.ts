/**
 * RetryBudget decides whether a failed call may be retried at all, so that
 * retries cannot multiply load on an upstream that is already failing.
 */
export interface RetryBudget {
  /** Records a call's outcome: success refills the budget, failure drains it. */
  record(success: boolean): void;
  /** True while retries are allowed. */
  canRetry(): boolean;
}

/**
 * createRetryBudget implements gRPC's retry throttling (gRFC A6): a token
 * count starts at `maxTokens`; every failure removes one token, every success
 * adds `tokenRatio`; retries are allowed only while more than half the tokens
 * remain. With the defaults, retries stop once roughly one call in ten fails,
 * and resume as successes come back.
 */
export function createRetryBudget({ maxTokens = 10, tokenRatio = 0.1 } = {}): RetryBudget {
  let tokens = maxTokens;
  return {
    record(success) {
      tokens = success ? Math.min(maxTokens, tokens + tokenRatio) : Math.max(0, tokens - 1);
    },
    canRetry: () => tokens > maxTokens / 2,
  };
}
