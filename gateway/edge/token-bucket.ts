/**
 * RateLimitPolicy is one budget: `quota` requests per `windowS` seconds,
 * refilled continuously, with bursts up to `quota`.
 */
export interface RateLimitPolicy {
  /** Its name in the `RateLimit` headers, e.g. "read". */
  readonly name: string;
  readonly quota: number;
  readonly windowS: number;
}

/** TokenBucket is one key's state under a policy: plain numbers, mutated in place. */
export interface TokenBucket {
  /** Tokens left at `updatedMs` (fractional while refilling). */
  tokens: number;
  updatedMs: number;
}

/** RateLimitDecision is the outcome of one {@link takeToken}. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Whole requests left right now (the `r` of the RateLimit header). */
  readonly remaining: number;
  /** Seconds until the bucket is full again (`t`). */
  readonly resetS: number;
  /** Seconds until the next request would be admitted (`Retry-After`); 0 when allowed. */
  readonly retryAfterS: number;
}

/** newTokenBucket is a full bucket: a key seen for the first time may burst. */
export function newTokenBucket(policy: RateLimitPolicy, nowMs: number): TokenBucket {
  return { tokens: policy.quota, updatedMs: nowMs };
}

/**
 * takeToken refills `bucket` for the time since its last use (quota/window
 * tokens per second, never above quota) and takes one token if there is a
 * whole one. A token bucket rather than fixed windows: no double burst at
 * a window edge, and a rejected client is told exactly when to come back.
 * Time is passed in, so tests need no clock.
 */
export function takeToken(
  bucket: TokenBucket,
  policy: RateLimitPolicy,
  nowMs: number,
): RateLimitDecision {
  // Milliseconds per token rather than tokens per ms: whole deficits then
  // give exact times (60 000 / 3 is 20 000; 3 / 60 000 is not a binary fraction).
  const msPerToken = (policy.windowS * 1000) / policy.quota;
  const elapsed = Math.max(0, nowMs - bucket.updatedMs);
  let tokens = Math.min(policy.quota, bucket.tokens + elapsed / msPerToken);
  const allowed = tokens >= 1;
  if (allowed) tokens -= 1;
  bucket.tokens = tokens;
  bucket.updatedMs = nowMs;
  return {
    allowed,
    remaining: Math.floor(tokens),
    resetS: Math.ceil(((policy.quota - tokens) * msPerToken) / 1000),
    retryAfterS: allowed ? 0 : Math.max(1, Math.ceil(((1 - tokens) * msPerToken) / 1000)),
  };
}

/**
 * refusalOf is what {@link takeToken} would answer if `bucket` has no whole
 * token at `nowMs`, else undefined; it spends nothing and changes nothing,
 * and allocates only to refuse.
 */
export function refusalOf(
  bucket: TokenBucket,
  policy: RateLimitPolicy,
  nowMs: number,
): RateLimitDecision | undefined {
  const msPerToken = (policy.windowS * 1000) / policy.quota;
  const elapsed = Math.max(0, nowMs - bucket.updatedMs);
  const tokens = Math.min(policy.quota, bucket.tokens + elapsed / msPerToken);
  if (tokens >= 1) return undefined;
  return {
    allowed: false,
    remaining: 0,
    resetS: Math.ceil(((policy.quota - tokens) * msPerToken) / 1000),
    retryAfterS: Math.max(1, Math.ceil(((1 - tokens) * msPerToken) / 1000)),
  };
}

/** isFull says whether `bucket` would be full at `nowMs`, i.e. no different from a new one. */
export function isFull(bucket: TokenBucket, policy: RateLimitPolicy, nowMs: number): boolean {
  const msPerToken = (policy.windowS * 1000) / policy.quota;
  return bucket.tokens + (nowMs - bucket.updatedMs) / msPerToken >= policy.quota;
}
