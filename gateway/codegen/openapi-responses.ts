import { type HeaderName, headerRefs } from "./openapi-headers.js";
import type { RoutePolicy } from "./route-policy.js";

// The error answers the edge gives besides the RPC's own, each one Response
// Object under `components.responses` with the one error envelope
// (`#/components/schemas/Error`): which an operation lists follows from its
// proto policy, the same one the gateway enforces.

/** ResponseName names a response of {@link responseComponents}. */
export type ResponseName =
  | "Error"
  | "Unauthenticated"
  | "PermissionDenied"
  | "IdempotencyConflict"
  | "IdempotencyKeyReused"
  | "RateLimited";

/** EdgeOperation is what decides an operation's edge responses. */
export interface EdgeOperation {
  readonly policy: RoutePolicy;
  /** The operation takes an `Idempotency-Key` (authenticated POST or PATCH). */
  readonly keyed: boolean;
}

// Every response says X-Request-ID; a limited operation's, RateLimit too.
const EVERY_RESPONSE: readonly HeaderName[] = ["X-Request-ID", "RateLimit", "RateLimit-Policy"];

function errorResponse(description: string, headers: readonly HeaderName[] = EVERY_RESPONSE) {
  return {
    description,
    headers: headerRefs(headers),
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/** responseComponents are `components.responses`. */
export const responseComponents: Readonly<Record<ResponseName, object>> = {
  Error: errorResponse(
    "An error. The status follows the error code (400, 401, 403, 404, 409, 429, 5xx).",
  ),
  Unauthenticated: errorResponse(
    "`UNAUTHENTICATED`: no credential, or one that is malformed, expired or revoked. Sign in again, or refresh the access token.",
  ),
  PermissionDenied: errorResponse(
    "`PERMISSION_DENIED`: the credential lacks a scope this operation requires.",
  ),
  IdempotencyConflict: errorResponse(
    "`IDEMPOTENCY_KEY_IN_USE`: a request with this `Idempotency-Key` is still in progress; retry later. Also the operation's own conflicts (`ALREADY_EXISTS`, `ABORTED`).",
  ),
  IdempotencyKeyReused: errorResponse(
    "`IDEMPOTENCY_KEY_REUSED`: this `Idempotency-Key` was first used with other request parameters; use a new key.",
  ),
  RateLimited: errorResponse(
    "`RATE_LIMITED`: this operation's rate-limit budget is spent; retry after `Retry-After` seconds.",
    [...EVERY_RESPONSE, "Retry-After"],
  ),
};

/**
 * edgeResponses lists an operation's error responses by status: 401 unless
 * anonymous, 403 when it requires scopes, 409 and 422 when it takes an
 * `Idempotency-Key`, 429 always, and `default` for every other error.
 */
export function edgeResponses(operation: EdgeOperation): [string, ResponseName][] {
  const { policy, keyed } = operation;
  const responses: [string, ResponseName][] = [];
  if (!policy.anonymous) responses.push(["401", "Unauthenticated"]);
  if (policy.scopes.length > 0) responses.push(["403", "PermissionDenied"]);
  if (keyed) responses.push(["409", "IdempotencyConflict"], ["422", "IdempotencyKeyReused"]);
  responses.push(["429", "RateLimited"], ["default", "Error"]);
  return responses;
}

/** successHeaders are the edge's headers on an operation's 200. */
export function successHeaders(operation: EdgeOperation): Record<string, object> {
  return headerRefs(operation.keyed ? [...EVERY_RESPONSE, "Idempotent-Replayed"] : EVERY_RESPONSE);
}
