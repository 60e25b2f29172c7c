import http2, { type IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { FRAME_HEADER_BYTES } from "../rpc/grpc-frame.js";
import { connectErrorFromRequest } from "./node-http2-error.js";
import {
  type GrpcUnaryResult,
  type RawUnaryResponse,
  readUnaryResponse,
} from "./read-unary-response.js";
import { wasUnprocessed } from "./unprocessed-stream.js";

/** GrpcUnaryRequest is one unary call, ready for the wire. */
export interface GrpcUnaryRequest {
  /** Complete request headers, pseudo-headers first (see grpcRequestHeaders). */
  readonly headers: http2.OutgoingHttpHeaders;
  /** The request message in one length-prefixed frame. */
  readonly frame: Buffer;
  /** The local deadline; the server got the same one in `grpc-timeout`. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly maxMessageBytes: number;
}

/** Failures of calls the server provably never processed; safe to send again. */
const unprocessedFailures = new WeakSet<object>();

/**
 * isUnprocessedFailure tells whether a grpcUnaryCall rejection is for a call
 * the server never processed (see wasUnprocessed), so it may be sent again.
 */
export function isUnprocessedFailure(err: unknown): boolean {
  return typeof err === "object" && err !== null && unprocessedFailures.has(err);
}

/**
 * grpcUnaryCall sends one framed message on a new stream of `session` and
 * collects the response. It allocates one listener set and one timer per
 * call, and an abort listener only when the caller passed a signal. When the
 * deadline passes or the signal aborts it resets the stream with CANCEL, as
 * gRPC's PROTOCOL-HTTP2 spec asks, so the server stops working on it.
 */
export function grpcUnaryCall(
  session: http2.ClientHttp2Session,
  request: GrpcUnaryRequest,
): Promise<GrpcUnaryResult> {
  return new Promise((resolve, reject) => {
    const { signal, maxMessageBytes } = request;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = openStream(session, request.headers);
    } catch (err) {
      reject(err);
      return;
    }
    let header: IncomingHttpHeaders | undefined;
    let trailer: IncomingHttpHeaders | undefined;
    let failure: unknown;
    let size = 0;
    let settled = false;
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => cancel(deadlineError(request.timeoutMs)), request.timeoutMs);
    const onAbort = signal && (() => cancel(abortError(signal)));
    if (onAbort) signal.addEventListener("abort", onAbort);

    function settle(): void {
      settled = true;
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
    function cancel(error: ConnectError): void {
      if (settled) return;
      settle();
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(error);
    }

    stream.on("response", (headers) => {
      header = headers;
    });
    stream.on("data", (chunk: Buffer) => {
      if (settled) return; // cancelled: DATA still in flight is dropped
      size += chunk.byteLength;
      if (size > maxMessageBytes + FRAME_HEADER_BYTES) cancel(tooLarge(maxMessageBytes));
      else chunks.push(chunk);
    });
    stream.on("trailers", (headers) => {
      trailer = headers;
    });
    stream.on("error", (err) => {
      failure ??= err;
    });
    stream.on("close", () => {
      if (settled) return;
      settle();
      try {
        resolve(
          readClosedStream(session, stream, { header, trailer, chunks, failure }, maxMessageBytes),
        );
      } catch (err) {
        reject(err);
      }
    });
    stream.end(request.frame);
  });
}

/** openStream starts the call; a session that cannot take it fails UNAVAILABLE, flagged unprocessed. */
function openStream(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): http2.ClientHttp2Stream {
  try {
    return session.request(headers);
  } catch (err) {
    const error = connectErrorFromRequest(err);
    if (error.code === Code.Unavailable) unprocessedFailures.add(error);
    throw error;
  }
}

/** readClosedStream judges what a closed stream delivered and flags failures that may be resent. */
function readClosedStream(
  session: http2.ClientHttp2Session,
  stream: http2.ClientHttp2Stream,
  collected: Omit<RawUnaryResponse, "rstCode">,
  maxMessageBytes: number,
): GrpcUnaryResult {
  const { header, failure } = collected;
  if (failure !== undefined) retireExhaustedSession(session, failure);
  try {
    return readUnaryResponse({ ...collected, rstCode: stream.rstCode }, maxMessageBytes);
  } catch (err) {
    if (header === undefined && wasUnprocessed(session, stream, failure)) {
      unprocessedFailures.add(err as object);
    }
    throw err;
  }
}

function deadlineError(timeoutMs: number): ConnectError {
  return new ConnectError(
    `the call exceeded its deadline of ${timeoutMs} ms`,
    Code.DeadlineExceeded,
  );
}

/**
 * ResponseTooLargeError is the cause of the RESOURCE_EXHAUSTED this client
 * raises itself for an answer over its limit (as gRPC specifies). The
 * server never said it, so a gateway must not pass it on as the server's
 * quota (429, "retry later"): it is the server's fault.
 */
export class ResponseTooLargeError extends Error {}

function tooLarge(maxMessageBytes: number): ConnectError {
  const message = `response message exceeds the limit of ${maxMessageBytes} bytes`;
  return new ConnectError(
    message,
    Code.ResourceExhausted,
    undefined,
    undefined,
    new ResponseTooLargeError(message),
  );
}

/**
 * abortError keeps a ConnectError reason as is (an interceptor cancelling
 * with a code) and treats `AbortSignal.timeout()` as a deadline.
 */
function abortError(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError) return reason;
  const code =
    reason instanceof Error && reason.name === "TimeoutError"
      ? Code.DeadlineExceeded
      : Code.Canceled;
  return new ConnectError("the call was cancelled", code, undefined, undefined, reason);
}

/**
 * A session that ran out of stream ids (2^31 per connection, about a day
 * at 20k calls/s) stays open but refuses every stream; closing it makes the
 * pool open a fresh one for the next call.
 */
function retireExhaustedSession(session: http2.ClientHttp2Session, failure: unknown): void {
  if (
    (failure as { code?: unknown } | null)?.code === "ERR_HTTP2_OUT_OF_STREAMS" &&
    !session.closed
  ) {
    session.close();
  }
}
