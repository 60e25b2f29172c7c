import { describe, expect, it } from "vitest";
import { isFull, newTokenBucket, type RateLimitPolicy, takeToken } from "./token-bucket.js";

const perMinute: RateLimitPolicy = { name: "auth", quota: 10, windowS: 60 };

function drain(policy: RateLimitPolicy, nowMs: number) {
  const bucket = newTokenBucket(policy, nowMs);
  for (let i = 0; i < policy.quota; i++)
    expect(takeToken(bucket, policy, nowMs).allowed).toBe(true);
  return bucket;
}

describe("takeToken", () => {
  it("admits a full quota as a burst, then refuses with the time until the next token", () => {
    const bucket = newTokenBucket(perMinute, 0);
    const first = takeToken(bucket, perMinute, 0);
    expect(first).toEqual({ allowed: true, remaining: 9, resetS: 6, retryAfterS: 0 });
    for (let i = 0; i < 9; i++) takeToken(bucket, perMinute, 0);
    // 10 per 60 s: one token every 6 s, the whole quota back in 60 s.
    expect(takeToken(bucket, perMinute, 0)).toEqual({
      allowed: false,
      remaining: 0,
      resetS: 60,
      retryAfterS: 6,
    });
  });

  it("refills continuously: one token after a sixth of the window, not before", () => {
    const bucket = drain(perMinute, 0);
    expect(takeToken(bucket, perMinute, 5_999).allowed).toBe(false);
    expect(takeToken(bucket, perMinute, 6_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(takeToken(bucket, perMinute, 6_000)).toMatchObject({ allowed: false, retryAfterS: 6 });
  });

  it("rounds Retry-After up, so a client that waits it is admitted", () => {
    const bucket = drain(perMinute, 0);
    const refused = takeToken(bucket, perMinute, 1_500);
    expect(refused.retryAfterS).toBe(5); // 4.5 s left
    expect(takeToken(bucket, perMinute, 1_500 + refused.retryAfterS * 1000).allowed).toBe(true);
  });

  it("never holds more than the quota, however long the bucket was idle", () => {
    const bucket = drain(perMinute, 0);
    expect(takeToken(bucket, perMinute, 3_600_000)).toMatchObject({ remaining: 9 });
  });

  it("ignores a clock that goes backwards", () => {
    const bucket = drain(perMinute, 10_000);
    expect(takeToken(bucket, perMinute, 0).allowed).toBe(false);
    expect(bucket.tokens).toBeGreaterThanOrEqual(0);
  });
});

describe("isFull", () => {
  it("says when a bucket is indistinguishable from a new one", () => {
    const bucket = newTokenBucket(perMinute, 0);
    takeToken(bucket, perMinute, 0);
    expect(isFull(bucket, perMinute, 5_999)).toBe(false);
    expect(isFull(bucket, perMinute, 6_000)).toBe(true);
  });
});
