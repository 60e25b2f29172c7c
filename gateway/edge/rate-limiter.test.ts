import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limiter.js";
import type { RateLimitPolicy } from "./token-bucket.js";

const policy: RateLimitPolicy = { name: "read", quota: 2, windowS: 1 };

describe("createRateLimiter", () => {
  it("keeps one bucket per key", () => {
    let now = 0;
    const limiter = createRateLimiter(policy, { now: () => now });
    expect(limiter.take("user:a").allowed).toBe(true);
    expect(limiter.take("user:a").allowed).toBe(true);
    expect(limiter.take("user:a").allowed).toBe(false);
    expect(limiter.take("user:b").allowed).toBe(true);
    now = 500;
    expect(limiter.take("user:a").allowed).toBe(true);
  });

  it("tells what take would refuse without spending or adding a bucket", () => {
    let now = 0;
    const limiter = createRateLimiter(policy, { now: () => now });
    expect(limiter.refusal("ip:a")).toBeUndefined();
    expect(limiter.size()).toBe(0);
    limiter.take("ip:a");
    expect(limiter.refusal("ip:a")).toBeUndefined();
    limiter.take("ip:a");
    now = 100;
    const refusal = limiter.refusal("ip:a");
    expect(refusal).toEqual(limiter.take("ip:a"));
    expect(refusal).toMatchObject({ allowed: false, remaining: 0, retryAfterS: 1 });
    now = 500;
    expect(limiter.refusal("ip:a")).toBeUndefined();
    expect(limiter.take("ip:a").allowed).toBe(true);
  });

  it("stays within maxKeys by forgetting idle buckets first", () => {
    let now = 0;
    const limiter = createRateLimiter(policy, { maxKeys: 100, now: () => now });
    for (let i = 0; i < 100; i++) limiter.take(`ip:idle-${i}`);
    now = 1_000; // a window later every bucket is full again: nothing to remember
    limiter.take("ip:busy");
    limiter.take("ip:busy");
    expect(limiter.size()).toBe(1);
    expect(limiter.take("ip:busy").allowed).toBe(false);
  });

  it("bounds memory under a flood of new keys, keeping recent ones", () => {
    const limiter = createRateLimiter(policy, { maxKeys: 1_000, now: () => 0 });
    for (let i = 0; i < 50_000; i++) limiter.take(`ip:${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(1_000);
    limiter.take("ip:49999");
    expect(limiter.take("ip:49999").allowed).toBe(false);
  });
});
