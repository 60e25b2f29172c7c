import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { platformError } from "../../platform/rpc/platform-error.js";
import type { ErrorCode } from "./error-codes.js";

/*
 * Conditions the gateway detects before any RPC are ConnectErrors like every
 * other error (STYLE.md 7): one type flows to the one envelope writer. Some
 * of them are HTTP-level conditions with an exact status no Connect code
 * expresses; they carry their reason as a google.rpc.ErrorInfo and
 * gatewayHttpStatus pins their status, the role grpc-gateway's
 * HTTPStatusError plays in runtime/errors.go.
 */

// Paths echoed into messages are capped: a message is for humans, not a mirror.
const MAX_ECHOED_PATH = 200;

/** routeNotFound is the 404 for a path no route template matches. */
export function routeNotFound(method: string, path: string): ConnectError {
  const shown = path.length > MAX_ECHOED_PATH ? `${path.slice(0, MAX_ECHOED_PATH)}…` : path;
  return new ConnectError(`no route for ${method} ${shown}`, Code.NotFound);
}

/**
 * methodNotAllowed is the 405 for a path that exists under other methods.
 * It is UNIMPLEMENTED as an RPC code, like grpc-gateway's routing errors;
 * the caller sets the `Allow` header.
 */
export function methodNotAllowed(method: string, allow: readonly string[]): ConnectError {
  return gatewayError(
    Code.Unimplemented,
    "METHOD_NOT_ALLOWED",
    `method ${method} is not allowed here; allowed: ${allow.join(", ")}`,
  );
}

/** payloadTooLarge is the 413 for a body over the limit (RESOURCE_EXHAUSTED, as gRPC sizes are). */
export function payloadTooLarge(limitBytes: number): ConnectError {
  return gatewayError(
    Code.ResourceExhausted,
    "PAYLOAD_TOO_LARGE",
    `request body exceeds ${limitBytes} bytes`,
  );
}

/** unsupportedMediaType is the 415 for a body that is not `application/json` (UTF-8). */
export function unsupportedMediaType(contentType: string | undefined): ConnectError {
  const got = contentType === undefined ? "no Content-Type" : `Content-Type ${contentType}`;
  return gatewayError(
    Code.InvalidArgument,
    "UNSUPPORTED_MEDIA_TYPE",
    `request body must be application/json, got ${got}`.slice(0, 300),
  );
}

/** malformedJson is the 400 for a body that is not well-formed UTF-8 JSON. */
export function malformedJson(detail: string): ConnectError {
  return gatewayError(Code.InvalidArgument, "MALFORMED_JSON", `malformed JSON body: ${detail}`);
}

/**
 * unsafeInteger is the 400 for a JSON number a JavaScript number would
 * round (see findUnsafeInteger): an invalid body, INVALID_ARGUMENT.
 */
export function unsafeInteger(literal: string): ConnectError {
  const shown = literal.length > 40 ? `${literal.slice(0, 40)}…` : literal;
  return new ConnectError(
    `invalid request body: the number ${shown} is beyond ±(2^53−1) and would lose precision;` +
      ` send 64-bit integers as JSON strings ("${shown}"), as ProtoJSON does`,
    Code.InvalidArgument,
  );
}

/**
 * fieldError is INVALID_ARGUMENT with one google.rpc.BadRequest field
 * violation, so the envelope's `details` names the field (proto names).
 */
export function fieldError(field: string, message: string): ConnectError {
  const violation = { field, description: message };
  const detail = { desc: BadRequestSchema, value: { fieldViolations: [violation] } };
  return new ConnectError(message, Code.InvalidArgument, undefined, [detail]);
}

/**
 * rateLimited is the 429 for a request over its rate limit; the caller sets
 * `Retry-After` and the RateLimit headers.
 */
export function rateLimited(policy: string, retryAfterS: number): ConnectError {
  return gatewayError(
    Code.ResourceExhausted,
    "RATE_LIMITED",
    `rate limit "${policy}" exceeded; retry in ${retryAfterS} s`,
  );
}

/**
 * idempotencyKeyInvalid is the 400 for an `Idempotency-Key` that is empty
 * or longer than `maxLength` characters.
 */
export function idempotencyKeyInvalid(maxLength: number): ConnectError {
  return gatewayError(
    Code.InvalidArgument,
    "IDEMPOTENCY_KEY_INVALID",
    `Idempotency-Key must be 1 to ${maxLength} characters`,
  );
}

/**
 * idempotencyKeyInUse is the 409 for a key whose first request is still
 * being served (ABORTED: a concurrency conflict; retry later, as Stripe's
 * `idempotency_key_in_use`).
 */
export function idempotencyKeyInUse(): ConnectError {
  return gatewayError(
    Code.Aborted,
    "IDEMPOTENCY_KEY_IN_USE",
    "a request with this Idempotency-Key is still in progress; retry later",
  );
}

/** idempotencyKeyReused is the 422 for a key first used with other request parameters. */
export function idempotencyKeyReused(): ConnectError {
  return gatewayError(
    Code.InvalidArgument,
    "IDEMPOTENCY_KEY_REUSED",
    "this Idempotency-Key was used with different request parameters; use a new key",
  );
}

/** corsOriginNotAllowed is the 403 for a CORS preflight from an origin not on the allow-list. */
export function corsOriginNotAllowed(): ConnectError {
  return gatewayError(
    Code.PermissionDenied,
    "CORS_ORIGIN_NOT_ALLOWED",
    "this origin may not call the API from a browser",
  );
}

const exactStatus: ReadonlyMap<string, number> = new Map<ErrorCode, number>([
  ["METHOD_NOT_ALLOWED", 405],
  ["PAYLOAD_TOO_LARGE", 413],
  ["UNSUPPORTED_MEDIA_TYPE", 415],
  // 422 (RFC 9110 §15.5.21), as the IETF Idempotency-Key draft asks for a
  // key reused with another payload (Stripe answers 400 idempotency_error):
  // the request is well-formed but cannot be processed as its key's first was.
  ["IDEMPOTENCY_KEY_REUSED", 422],
]);

/**
 * gatewayHttpStatus returns the exact HTTP status for a gateway-detected
 * HTTP-level condition (by its ErrorInfo reason), or undefined when the one
 * code-to-status switch (http-status.ts) decides.
 */
export function gatewayHttpStatus(reason: string): number | undefined {
  return exactStatus.get(reason);
}

function gatewayError(code: Code, reason: ErrorCode, message: string): ConnectError {
  return platformError(code, reason, message);
}
