import { Code } from "@connectrpc/connect";

/**
 * errorCodes is the catalogue of the stable `error.code` values the gateway
 * puts in its error envelope, each with the one-line meaning documented for
 * public clients (docs/errors.md must list every key; a test checks it).
 *
 * A code is either the `google.rpc.ErrorInfo` reason a service attached
 * (platform reasons such as VALIDATION_FAILED, or a service's own documented
 * reasons), a condition the gateway detects before any RPC, or the name of
 * the Connect code when the error carries no reason. Clients branch on
 * `code`; `message` is for humans and may change.
 */
export const errorCodes = {
  // Derived from Connect codes (the gRPC canonical names).
  CANCELLED: "The client cancelled the request or closed the connection.",
  INVALID_ARGUMENT: "The request is invalid; `details` names the offending fields when known.",
  DEADLINE_EXCEEDED: "The request did not complete within its deadline; it may have taken effect.",
  NOT_FOUND: "The route or the resource does not exist.",
  ALREADY_EXISTS: "The resource the request tried to create already exists.",
  PERMISSION_DENIED: "The caller is authenticated but not allowed to do this.",
  RESOURCE_EXHAUSTED: "A quota or rate limit was exceeded; retry later.",
  FAILED_PRECONDITION: "The system is not in the state the request requires; fix the state first.",
  ABORTED: "The request conflicted with a concurrent change; retry from a fresh read.",
  OUT_OF_RANGE: "A value (such as a page cursor) is outside the valid range.",
  UNIMPLEMENTED: "The operation is not implemented or not enabled.",
  INTERNAL: "An unexpected server error; the message is generic by design. Quote request_id.",
  UNAVAILABLE: "The service is temporarily unavailable; retry with back-off.",
  UNAUTHENTICATED: "Credentials are missing, invalid or expired.",
  // Detected by the gateway itself, before any RPC.
  METHOD_NOT_ALLOWED: "The path exists but not for this HTTP method; see the Allow header.",
  PAYLOAD_TOO_LARGE: "The request body exceeds the gateway's size limit.",
  UNSUPPORTED_MEDIA_TYPE: "A request body must be sent as Content-Type: application/json.",
  MALFORMED_JSON: "The request body is not well-formed UTF-8 JSON.",
  RATE_LIMITED: "Too many requests for this rate limit; wait Retry-After seconds.",
  IDEMPOTENCY_KEY_INVALID: "The Idempotency-Key header is empty or longer than 255 characters.",
  IDEMPOTENCY_KEY_IN_USE:
    "A request with the same Idempotency-Key is still in progress; retry after it finishes.",
  IDEMPOTENCY_KEY_REUSED:
    "The Idempotency-Key was first used with different parameters (422); use a new key.",
  CORS_ORIGIN_NOT_ALLOWED: "The browser's Origin is not on the gateway's CORS allow-list.",
  // Answered by the HTTP server before the gateway sees a request.
  MALFORMED_REQUEST: "The HTTP request could not be parsed (400); the connection is closed.",
  REQUEST_TIMEOUT: "The request's headers or body arrived too slowly (408).",
  HEADERS_TOO_LARGE: "The request line or headers exceed the server's limit (431).",
  // Platform reasons (google.rpc.ErrorInfo), raised by platform/rpc.
  VALIDATION_FAILED: "A field broke a validation rule in the contract; see details.",
} as const;

/** ErrorCode is one key of the catalogue. */
export type ErrorCode = keyof typeof errorCodes;

/**
 * errorCodeFromConnectCode names an error that carries no ErrorInfo reason.
 * UNKNOWN and DATA_LOSS are reported as INTERNAL: to a public client they
 * mean the same ("our fault, quote the request id") and their distinctions
 * are internal detail.
 */
export function errorCodeFromConnectCode(code: Code): ErrorCode {
  return codeNames[code] ?? "INTERNAL";
}

const codeNames: Readonly<Partial<Record<Code, ErrorCode>>> = {
  [Code.Canceled]: "CANCELLED",
  [Code.Unknown]: "INTERNAL",
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.AlreadyExists]: "ALREADY_EXISTS",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.ResourceExhausted]: "RESOURCE_EXHAUSTED",
  [Code.FailedPrecondition]: "FAILED_PRECONDITION",
  [Code.Aborted]: "ABORTED",
  [Code.OutOfRange]: "OUT_OF_RANGE",
  [Code.Unimplemented]: "UNIMPLEMENTED",
  [Code.Internal]: "INTERNAL",
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.DataLoss]: "INTERNAL",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
};
