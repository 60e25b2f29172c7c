import { RateLimitClass } from "../../gen/platform/v1/policy_pb.js";

/** RateLimitClassName is a proto `RateLimitClass` as it is named in config and headers. */
export type RateLimitClassName = "default" | "read" | "write" | "auth" | "expensive";

/** RateLimitQuota is a budget of `quota` requests per `windowS` seconds. */
export interface RateLimitQuota {
  readonly quota: number;
  readonly windowS: number;
}

/** RateLimits are the budgets per class; `undefined` turns a class's limit off. */
export type RateLimits = { readonly [K in RateLimitClassName]: RateLimitQuota | undefined };

/**
 * DEFAULT_RATE_LIMITS are per principal (or client IP) and gateway
 * instance. `auth` is always per client IP and much stricter: it guards
 * sign-up, sign-in and refresh against credential stuffing, on top of
 * identity's per-account lock-out (OWASP Authentication Cheat Sheet).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({
  default: { quota: 300, windowS: 60 },
  read: { quota: 600, windowS: 60 },
  write: { quota: 120, windowS: 60 },
  auth: { quota: 10, windowS: 60 },
  expensive: { quota: 30, windowS: 60 },
});

/** rateLimitClassName names a proto class; a class from a newer proto counts as `default`. */
export function rateLimitClassName(rateLimit: RateLimitClass): RateLimitClassName {
  switch (rateLimit) {
    case RateLimitClass.READ:
      return "read";
    case RateLimitClass.WRITE:
      return "write";
    case RateLimitClass.AUTH:
      return "auth";
    case RateLimitClass.EXPENSIVE:
      return "expensive";
    default:
      return "default";
  }
}
