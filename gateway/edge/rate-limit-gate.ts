import type { IncomingMessage, ServerResponse } from "node:http";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { rateLimited } from "../runtime/gateway-errors.js";
import type { RouteSpec } from "../runtime/route-spec.js";
import { clientIp, ipRateLimitKey } from "./client-ip.js";
import { type EdgePrincipal, principalKey } from "./principal-key.js";
import { formatRateLimit, formatRateLimitPolicy } from "./rate-limit-headers.js";
import { createRateLimiter, type RateLimiter } from "./rate-limiter.js";
import { type RateLimitClassName, type RateLimits, rateLimitClassName } from "./rate-limits.js";
import type { RateLimitDecision } from "./token-bucket.js";

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
 * RateLimitGate limits a matched route's requests in two steps around
 * authentication. `screen` runs before the credential is verified (for an
 * API key, an RPC to identity and a database query): a client whose IP
 * bucket, the one a refused credential spends, has no token left is
 * answered 429 right there, so a flood of bad credentials costs no
 * upstream work once it is over budget. `spend` runs after: it spends one
 * token and sets the `RateLimit-Policy` and `RateLimit` headers. Either
 * one, when the bucket is empty, sets `Retry-After` and throws
 * RATE_LIMITED (429).
 */
export interface RateLimitGate {
  /**
   * screen refuses (429) a request whose client IP's bucket is empty,
   * spending nothing. It returns that bucket's key for {@link spend}, or
   * undefined if the route is not limited.
   */
  screen(req: IncomingMessage, res: ServerResponse, route: RouteSpec): string | undefined;
  /**
   * spend takes one token from the principal's bucket, else (no principal,
   * a refused credential, or an `auth` route) the client IP's: `ipKey`
   * from {@link screen} when it ran, so the key is not derived twice.
   */
  spend(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteSpec,
    principal: EdgePrincipal | undefined,
    ipKey?: string,
  ): void;
}

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
  const refuse = (res: ServerResponse, limit: RouteLimit, decision: RateLimitDecision): never => {
    res.setHeader("retry-after", String(decision.retryAfterS));
    throw rateLimited(limit.limiter.policy.name, decision.retryAfterS);
  };
  return {
    screen(req, res, route) {
      const limit = byRoute.get(route);
      if (limit === undefined) return undefined;
      const key = ipRateLimitKey(clientIp(req, hops));
      const refusal = limit.limiter.refusal(key);
      if (refusal === undefined) return key;
      res.setHeader("ratelimit-policy", limit.policyHeader);
      res.setHeader("ratelimit", formatRateLimit(limit.limiter.policy, refusal));
      return refuse(res, limit, refusal);
    },
    spend(req, res, route, principal, ipKey) {
      const limit = byRoute.get(route);
      if (limit === undefined) return;
      const key =
        limit.perIp || principal === undefined
          ? (ipKey ?? ipRateLimitKey(clientIp(req, hops)))
          : principalKey(principal);
      const decision = limit.limiter.take(key);
      res.setHeader("ratelimit-policy", limit.policyHeader);
      res.setHeader("ratelimit", formatRateLimit(limit.limiter.policy, decision));
      if (!decision.allowed) refuse(res, limit, decision);
    },
  };
}
