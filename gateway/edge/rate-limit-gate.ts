import type { IncomingMessage, ServerResponse } from "node:http";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { rateLimited } from "../runtime/gateway-errors.js";
import type { RouteSpec } from "../runtime/route-spec.js";
import { clientIp, ipRateLimitKey } from "./client-ip.js";
import { type EdgePrincipal, principalKey } from "./principal-key.js";
import { formatRateLimit, formatRateLimitPolicy } from "./rate-limit-headers.js";
import { createRateLimiter, type RateLimiter } from "./rate-limiter.js";
import { type RateLimitClassName, type RateLimits, rateLimitClassName } from "./rate-limits.js";

/** RateLimitGateOptions configure {@link createRateLimitGate}. */
export interface RateLimitGateOptions {
  readonly limits: RateLimits;
  /** Proxies of ours in front of the gateway (see clientIp); 0 trusts no header. */
  readonly trustedProxyHops: number;
  /** Most buckets per class (see createRateLimiter). */
  readonly maxKeys?: number;
  /** The clock in ms, for tests. */
  readonly now?: () => number;
}

/**
 * RateLimitGate spends one token for a matched route's request and sets the
 * `RateLimit-Policy` and `RateLimit` headers; when the bucket is empty it
 * sets `Retry-After` and throws RATE_LIMITED (429).
 */
export type RateLimitGate = (
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteSpec,
  principal: EdgePrincipal | undefined,
) => void;

interface RouteLimit {
  readonly limiter: RateLimiter;
  /** The `RateLimit-Policy` value, formatted once. */
  readonly policyHeader: string;
  /** `auth` routes count per client IP even for an authenticated caller. */
  readonly perIp: boolean;
}

/**
 * createRateLimitGate resolves each route's class from its proto policy
 * (`platform.v1.policy.rate_limit`) once, with one in-memory limiter per
 * class. A request counts against its principal (`user:<id>`, `key:<id>`),
 * else its client IP; `auth` routes always against the client IP, since
 * their callers are not signed in yet, or are guessing someone else's
 * credentials. A class whose limit is off sends no headers.
 */
export function createRateLimitGate(
  routes: readonly RouteSpec[],
  options: RateLimitGateOptions,
): RateLimitGate {
  const byClass = new Map<RateLimitClassName, RouteLimit>();
  for (const name of Object.keys(options.limits) as RateLimitClassName[]) {
    const quota = options.limits[name];
    if (quota === undefined) continue;
    const limiter = createRateLimiter({ name, ...quota }, options);
    byClass.set(name, {
      limiter,
      policyHeader: formatRateLimitPolicy(limiter.policy),
      perIp: name === "auth",
    });
  }
  const byRoute = new Map<RouteSpec, RouteLimit>();
  for (const route of routes) {
    const limit = byClass.get(rateLimitClassName(rpcPolicyOf(route.method).rateLimit));
    if (limit !== undefined) byRoute.set(route, limit);
  }
  const hops = options.trustedProxyHops;
  return (req, res, route, principal) => {
    const limit = byRoute.get(route);
    if (limit === undefined) return;
    const key =
      limit.perIp || principal === undefined
        ? ipRateLimitKey(clientIp(req, hops))
        : principalKey(principal);
    const decision = limit.limiter.take(key);
    res.setHeader("ratelimit-policy", limit.policyHeader);
    res.setHeader("ratelimit", formatRateLimit(limit.limiter.policy, decision));
    if (decision.allowed) return;
    res.setHeader("retry-after", String(decision.retryAfterS));
    throw rateLimited(limit.limiter.policy.name, decision.retryAfterS);
  };
}
