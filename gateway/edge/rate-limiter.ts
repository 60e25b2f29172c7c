import {
  isFull,
  newTokenBucket,
  type RateLimitDecision,
  type RateLimitPolicy,
  refusalOf,
  type TokenBucket,
  takeToken,
} from "./token-bucket.js";

/** RateLimiterOptions configure {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Most buckets kept; idle ones are evicted first. Default 100 000. */
  readonly maxKeys?: number;
  /** The clock in ms; default `performance.now` (monotonic: wall-clock jumps change nothing). */
  readonly now?: () => number;
}

/** RateLimiter spends one policy's tokens from in-memory buckets, one per key. */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /** take spends one token of `key`'s bucket. */
  take(key: string): RateLimitDecision;
  /**
   * refusal is the decision {@link take} would refuse `key` with, or
   * undefined if it would admit it; it spends nothing, and a key without a
   * bucket (a full one) gets none.
   */
  refusal(key: string): RateLimitDecision | undefined;
  /** size is the number of buckets held (tests, metrics). */
  size(): number;
}

const DEFAULT_MAX_KEYS = 100_000;

/**
 * createRateLimiter keeps `policy`'s token buckets in this process's
 * memory. Limits are therefore per gateway instance: with N instances
 * behind a balancer a client may get up to N × quota (docs/gateway.md,
 * "Rate limits"). That keeps the check at one map lookup, with no network
 * hop on the hot path.
 *
 * Memory is bounded: at `maxKeys` buckets, the ones that have refilled
 * completely (idle for a window: forgetting them changes nothing) are
 * dropped; if that frees too little, the tenth created first are dropped
 * too, which can only give those keys a fresh budget.
 */
export function createRateLimiter(
  policy: RateLimitPolicy,
  options: RateLimiterOptions = {},
): RateLimiter {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, TokenBucket>();
  return {
    policy,
    take(key) {
      const nowMs = now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= maxKeys) evict(buckets, policy, nowMs, maxKeys);
        bucket = newTokenBucket(policy, nowMs);
        buckets.set(key, bucket);
      }
      return takeToken(bucket, policy, nowMs);
    },
    refusal(key) {
      const bucket = buckets.get(key);
      return bucket === undefined ? undefined : refusalOf(bucket, policy, now());
    },
    size: () => buckets.size,
  };
}

function evict(
  buckets: Map<string, TokenBucket>,
  policy: RateLimitPolicy,
  nowMs: number,
  maxKeys: number,
): void {
  for (const [key, bucket] of buckets) {
    if (isFull(bucket, policy, nowMs)) buckets.delete(key);
  }
  // Still full of active clients (a flood of new keys): drop a tenth more,
  // so the next new keys do not each pay for a full scan.
  if (buckets.size < maxKeys) return;
  let drop = Math.max(1, Math.ceil(maxKeys / 10));
  for (const key of buckets.keys()) {
    if (drop-- === 0) break;
    buckets.delete(key);
  }
}
