import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/** HTTP/2 error code names by value, RFC 9113 section 7, for readable messages. */
const H2_ERROR_NAMES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

/**
 * Errors `ClientHttp2Session.request()` throws when the session cannot take
 * a stream any more; the call never left the process, so it is safe to retry.
 */
const SESSION_GONE = new Set([
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_OUT_OF_STREAMS",
  "ERR_HTTP2_STREAM_CANCEL",
]);

/**
 * connectErrorFromHttp2 maps why a client stream closed without a gRPC
 * status. A RST_STREAM from the peer maps by the table in gRPC's
 * PROTOCOL-HTTP2 "Errors" section; anything else the stream reports is the
 * connection failing under it (refused, unresolvable, reset, GOAWAY, TLS
 * handshake), which gRPC calls UNAVAILABLE. The Node error stays in `cause`
 * for logs; the message names only its code, never addresses.
 */
export function connectErrorFromHttp2(failure: unknown, rstCode: number): ConnectError {
  if (failure === undefined || errorCode(failure) === "ERR_HTTP2_STREAM_ERROR") {
    const name = H2_ERROR_NAMES[rstCode] ?? String(rstCode);
    return new ConnectError(
      `stream reset (${name})`,
      codeFromRstCode(rstCode),
      undefined,
      undefined,
      failure,
    );
  }
  return unavailable(failure);
}

/**
 * connectErrorFromRequest maps an error `session.request()` threw
 * synchronously: a dead session is UNAVAILABLE, anything else (invalid
 * header names or values) is a bug on our side of the call, INTERNAL.
 */
export function connectErrorFromRequest(err: unknown): ConnectError {
  if (SESSION_GONE.has(errorCode(err) ?? "")) return unavailable(err);
  return new ConnectError("invalid request", Code.Internal, undefined, undefined, err);
}

function unavailable(failure: unknown): ConnectError {
  const reason = rootErrorCode(failure) ?? "connection failed";
  return new ConnectError(
    `upstream unavailable: ${reason}`,
    Code.Unavailable,
    undefined,
    undefined,
    failure,
  );
}

function codeFromRstCode(rstCode: number): Code {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return Code.Unavailable; // the server did not process the stream
    case constants.NGHTTP2_CANCEL:
      return Code.Canceled;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return Code.ResourceExhausted;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The innermost `code` in a `cause` chain: ECONNREFUSED rather than the pending-stream wrapper. */
function rootErrorCode(err: unknown): string | undefined {
  let found: string | undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    found = errorCode(e) ?? found;
  }
  return found;
}
