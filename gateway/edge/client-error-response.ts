import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { requestIdFrom } from "../../platform/rpc/request-id.js";
import type { ErrorCode } from "../runtime/error-codes.js";
import { SECURITY_HEADERS } from "./security-headers.js";

// Node's codes for requests it refuses before any handler runs
// (https://nodejs.org/api/errors.html, llhttp's HPE_* parser errors).
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADERS_TIMEOUT: 408,
};

const HEADER_LINES = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join("");

/**
 * answerClientError replaces node:http's bare answer to a request it could
 * not parse or that was too slow (400, 408, 431) with one that carries the
 * gateway's security headers, a request id and the error envelope, like
 * every other answer (OWASP API8). The connection is closed: the parser's
 * state is unknown.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[err.code ?? ""] ?? 400;
  const code: ErrorCode =
    status === 400 ? "MALFORMED_REQUEST" : status === 408 ? "REQUEST_TIMEOUT" : "HEADERS_TOO_LARGE";
  // The request's own X-Request-ID was never parsed: a new id, as for a
  // request without one, so the client can still quote it.
  const requestId = requestIdFrom(undefined);
  const body = JSON.stringify({
    error: {
      code,
      message: STATUS_CODES[status]?.toLowerCase() ?? "bad request",
      details: [],
      request_id: requestId,
    },
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      "content-type: application/json\r\n" +
      `x-request-id: ${requestId}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      "cache-control: no-store\r\n" +
      "connection: close\r\n" +
      HEADER_LINES +
      "\r\n" +
      body,
  );
}
