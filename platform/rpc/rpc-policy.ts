import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  default_policy,
  type Policy,
  policy,
  RateLimitClass,
} from "../../gen/platform/v1/policy_pb.js";
import type { Peer } from "./peer.js";

/** The name the gateway's certificate carries; `public` RPCs admit it. */
export const GATEWAY_SERVICE = "gateway";

/** In `callers`, admits every service of the trust domain. */
export const ANY_SERVICE = "*";

/** RpcPolicy is a method's `platform.v1.policy`, compiled once at startup. */
export interface RpcPolicy {
  readonly callers: ReadonlySet<string>;
  readonly public: boolean;
  /** Public clients may call without a credential (sign-up, sign-in). */
  readonly anonymous: boolean;
  readonly scopes: readonly string[];
  readonly idempotent: boolean;
  /** Upper bound for the call in ms; undefined when the proto sets none. */
  readonly timeoutMs: number | undefined;
  readonly rateLimit: RateLimitClass;
}

/**
 * rpcPolicyOf reads the method option, else the service default. An RPC with
 * neither gets an empty policy, which admits no caller: secure by default.
 */
export function rpcPolicyOf(method: DescMethod): RpcPolicy {
  // Clients ask per call (retry decisions); decode the option once per method.
  let cached = compiled.get(method);
  if (cached === undefined) {
    cached = compilePolicy(method);
    compiled.set(method, cached);
  }
  return cached;
}

const compiled = new WeakMap<DescMethod, RpcPolicy>();

function compilePolicy(method: DescMethod): RpcPolicy {
  const source: Policy | undefined = hasOption(method, policy)
    ? getOption(method, policy)
    : hasOption(method.parent, default_policy)
      ? getOption(method.parent, default_policy)
      : undefined;
  const callers = new Set(source?.callers ?? []);
  if (source?.public) callers.add(GATEWAY_SERVICE);
  const timeout = source?.timeout;
  return Object.freeze({
    callers,
    public: source?.public ?? false,
    anonymous: source?.anonymous ?? false,
    scopes: Object.freeze([...(source?.scopes ?? [])]),
    idempotent: source?.idempotent ?? false,
    timeoutMs: timeout
      ? Number(timeout.seconds) * 1000 + Math.floor(timeout.nanos / 1e6)
      : undefined,
    rateLimit: source?.rateLimit ?? RateLimitClass.UNSPECIFIED,
  });
}

/**
 * assertCallerAllowed throws PERMISSION_DENIED unless the mTLS peer is one of
 * the policy's callers. The message names the caller and method (both are
 * the caller's own facts) so a misconfigured service can see what to fix.
 */
export function assertCallerAllowed(
  rule: RpcPolicy,
  peer: Peer | undefined,
  method: DescMethod,
): void {
  const service = peer?.service;
  if (service !== undefined && (rule.callers.has(service) || rule.callers.has(ANY_SERVICE))) return;
  const who = peer?.spiffeId ?? "an unidentified caller";
  throw new ConnectError(
    `${who} may not call ${method.parent.typeName}/${method.name}`,
    Code.PermissionDenied,
  );
}
