import type { RateLimitDecision, RateLimitPolicy } from "./token-bucket.js";

/*
 * The fields of draft-ietf-httpapi-ratelimit-headers (-10, §4 and §5):
 * Structured Field Lists (RFC 9651) of one item per policy, the policy's
 * name as an sf-string with parameters. `RateLimit-Policy` is constant per
 * route, so it is formatted once at startup; `RateLimit` changes with
 * every request.
 *
 *   RateLimit-Policy: "read";q=600;w=60
 *   RateLimit: "read";r=599;t=1
 */

// sf-string allows printable ASCII; our names are fixed lowercase words.
const POLICY_NAME = /^[a-z][a-z0-9_-]*$/;

/** formatRateLimitPolicy is the `RateLimit-Policy` value: quota `q` per window `w` seconds. */
export function formatRateLimitPolicy(policy: RateLimitPolicy): string {
  if (!POLICY_NAME.test(policy.name)) throw new Error(`bad rate-limit policy name ${policy.name}`);
  return `"${policy.name}";q=${policy.quota};w=${policy.windowS}`;
}

/**
 * formatRateLimit is the `RateLimit` value: `r` requests remain, and `t`
 * seconds until the whole quota is available again (the bucket is full).
 */
export function formatRateLimit(policy: RateLimitPolicy, decision: RateLimitDecision): string {
  return `"${policy.name}";r=${decision.remaining};t=${decision.resetS}`;
}
