import { Code, type ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ERROR_DOMAIN } from "../../platform/rpc/platform-error.js";
import { toConnectError } from "../../platform/rpc/to-connect-error.js";
import { errorCodeFromConnectCode } from "./error-codes.js";
import { gatewayHttpStatus } from "./gateway-errors.js";
import { httpStatusFromCode } from "./http-status.js";

/** ErrorEnvelope is the one JSON shape of every gateway error response (DESIGN.md). */
export interface ErrorEnvelope {
  readonly error: {
    /** A stable code from error-codes.ts, or a service's documented ErrorInfo reason. */
    readonly code: string;
    /** For humans; may change between releases. */
    readonly message: string;
    /** Field-level problems from google.rpc.BadRequest, field paths in proto names. */
    readonly details: readonly { readonly field: string; readonly reason: string }[];
    /** The request id, also sent as the X-Request-ID header. */
    readonly request_id: string;
  };
}

/** ErrorResponse is a rendered error: its HTTP status and JSON body. */
export interface ErrorResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * FALLBACK_ERROR_BODY is sent, with status 500, if rendering an error
 * itself fails (e.g. a corrupt detail): a fixed, always-valid envelope, as
 * grpc-gateway's `fallback` and connect-es's error-json do.
 */
export const FALLBACK_ERROR_BODY =
  '{"error":{"code":"INTERNAL","message":"internal error","details":[],"request_id":""}}';

// Server faults are masked: their messages and details may carry upstream
// internals (SQL, hostnames, stack fragments) that must not reach clients.
const MASKED_MESSAGE = "internal error";

// UNAVAILABLE keeps its code (clients retry on it) but not its message,
// which names socket errors and which dependency is down (OWASP API8).
const UNAVAILABLE_MESSAGE = "the service is unavailable; retry later";

// google.rpc.ErrorInfo.reason: UPPER_SNAKE_CASE, at most 63 characters.
// Anything else is not a stable code and is replaced by the derived one.
const STABLE_REASON = /^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$/;

/**
 * renderError turns anything thrown while serving a request into its HTTP
 * status and envelope. Non-Connect errors are normalized once here (they
 * become INTERNAL). It never throws and never yields a status below 400.
 */
export function renderError(error: unknown, requestId: string): ErrorResponse {
  try {
    const err = toConnectError(error);
    const envelope = isServerFault(err.code)
      ? maskedEnvelope(err.code, requestId)
      : clientEnvelope(err, requestId);
    const status = envelope.status >= 400 ? envelope.status : 500;
    return { status, body: JSON.stringify(envelope.body) };
  } catch {
    return { status: 500, body: FALLBACK_ERROR_BODY };
  }
}

function isServerFault(code: Code): boolean {
  return code === Code.Internal || code === Code.Unknown || code === Code.DataLoss;
}

function maskedEnvelope(code: Code, requestId: string) {
  const body: ErrorEnvelope = {
    error: { code: "INTERNAL", message: MASKED_MESSAGE, details: [], request_id: requestId },
  };
  return { status: httpStatusFromCode(code), body };
}

function clientEnvelope(err: ConnectError, requestId: string) {
  const info = err.findDetails(ErrorInfoSchema)[0];
  const reason = info !== undefined && STABLE_REASON.test(info.reason) ? info.reason : undefined;
  const code = reason ?? errorCodeFromConnectCode(err.code);
  const exact =
    reason !== undefined && info?.domain === ERROR_DOMAIN ? gatewayHttpStatus(reason) : undefined;
  const message =
    err.code === Code.Unavailable && reason === undefined
      ? UNAVAILABLE_MESSAGE
      : err.rawMessage || code.toLowerCase().replaceAll("_", " ");
  const body: ErrorEnvelope = {
    error: { code, message, details: fieldViolations(err), request_id: requestId },
  };
  return { status: exact ?? httpStatusFromCode(err.code), body };
}

function fieldViolations(err: ConnectError): ErrorEnvelope["error"]["details"] {
  const out: { field: string; reason: string }[] = [];
  for (const badRequest of err.findDetails(BadRequestSchema)) {
    for (const v of badRequest.fieldViolations) out.push({ field: v.field, reason: v.description });
  }
  return out;
}
