import type { DescMethod } from "@bufbuild/protobuf";
import type { RateLimitClassName } from "../edge/rate-limits.js";
import { getPolicy } from "./annotations.js";

/**
 * RoutePolicy is what the edge enforces for an RPC, read from the same
 * `platform.v1.policy` option the runtime reads with rpcPolicyOf
 * (platform/rpc/rpc-policy.ts), for the OpenAPI document to describe.
 */
export interface RoutePolicy {
  /** Callable without a credential (sign-up, sign-in, the key set). */
  readonly anonymous: boolean;
  /** Scopes the credential must carry, all of them. */
  readonly scopes: readonly string[];
  /** The rate-limit budget, as named in config and `RateLimit-Policy`. */
  readonly rateLimit: RateLimitClassName;
}

// The classes gateway/edge/rate-limits.ts names; like rateLimitClassName
// there, a class from a newer proto counts as `default`. (gen/ is deleted
// before this plugin runs, so the enum is matched by its value names.)
const CLASSES: readonly RateLimitClassName[] = ["read", "write", "auth", "expensive"];
const CLASS_PREFIX = "RATE_LIMIT_CLASS_";

/** routePolicyOf is the RPC's policy; an RPC without one gets the empty policy, as at runtime. */
export function routePolicyOf(method: DescMethod): RoutePolicy {
  const policy = getPolicy(method);
  const name = (policy?.rateLimit ?? "").replace(CLASS_PREFIX, "").toLowerCase();
  return {
    anonymous: policy?.anonymous ?? false,
    scopes: policy?.scopes ?? [],
    rateLimit: CLASSES.find((c) => c === name) ?? "default",
  };
}
