import { describe, expect, it } from "vitest";
import { formatRateLimit, formatRateLimitPolicy } from "./rate-limit-headers.js";
import { newTokenBucket, takeToken } from "./token-bucket.js";

describe("RateLimit header fields (draft-ietf-httpapi-ratelimit-headers)", () => {
  const policy = { name: "read", quota: 600, windowS: 60 };

  it("formats the policy as a structured-field list item with q and w", () => {
    expect(formatRateLimitPolicy(policy)).toBe('"read";q=600;w=60');
  });

  it("formats the current state with r (remaining) and t (seconds until full)", () => {
    const decision = takeToken(newTokenBucket(policy, 0), policy, 0);
    expect(formatRateLimit(policy, decision)).toBe('"read";r=599;t=1');
  });

  it("refuses a policy name that is not a plain word", () => {
    expect(() => formatRateLimitPolicy({ ...policy, name: 'a"b' })).toThrow(/policy name/);
  });
});
