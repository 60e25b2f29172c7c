import type { IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  codeFromHttpStatus,
  findTrailerError,
  parseContentType,
} from "@connectrpc/connect/protocol-grpc";
import { decodeSingleFrame } from "../rpc/grpc-frame.js";
import { connectErrorFromHttp2 } from "./node-http2-error.js";
import { toWebHeaders } from "./to-web-headers.js";

/** RawUnaryResponse is everything one closed HTTP/2 stream delivered. */
export interface RawUnaryResponse {
  /** Response HEADERS; undefined when none arrived. */
  readonly header: IncomingHttpHeaders | undefined;
  /** Trailing HEADERS; undefined for a trailers-only response or a broken stream. */
  readonly trailer: IncomingHttpHeaders | undefined;
  /** DATA frames, in order. */
  readonly chunks: readonly Buffer[];
  /** The first error the stream emitted, if any. */
  readonly failure: unknown;
  /** The stream's RST_STREAM code; 0 when it closed cleanly. */
  readonly rstCode: number;
}

/** GrpcUnaryResult is a successful unary response, still serialized. */
export interface GrpcUnaryResult {
  readonly header: IncomingHttpHeaders;
  /** Empty for a trailers-only response, whose status came in `header`. */
  readonly trailer: IncomingHttpHeaders;
  /** The response message without its frame header. */
  readonly message: Buffer;
}

const NO_TRAILERS: IncomingHttpHeaders = Object.freeze({});

/**
 * readUnaryResponse judges a finished unary stream the way gRPC's
 * PROTOCOL-HTTP2 spec orders it: no response at all is a transport failure,
 * then HTTP status (a non-200 maps through the HTTP-to-gRPC table), then
 * content type, then `grpc-status` from the trailers, or from the headers
 * of a trailers-only response. Only a status of 0 yields the message.
 */
export function readUnaryResponse(raw: RawUnaryResponse, maxMessageBytes: number): GrpcUnaryResult {
  const { header, trailer } = raw;
  if (header === undefined) throw connectErrorFromHttp2(raw.failure, raw.rstCode);
  assertGrpcResponse(header);
  const status = (trailer ?? header)["grpc-status"];
  if (status === undefined) throw missingStatus(raw);
  if (status !== "0") throw statusError(header, trailer);
  return {
    header,
    trailer: trailer ?? NO_TRAILERS,
    message: readMessage(raw.chunks, maxMessageBytes),
  };
}

function assertGrpcResponse(header: IncomingHttpHeaders): void {
  const status = Number(header[":status"]);
  if (status !== 200) {
    throw new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status), toWebHeaders(header));
  }
  const type = header["content-type"];
  // Compare the two common values before paying for connect's regular expression.
  if (type === "application/grpc" || type === "application/grpc+proto") return;
  if (!parseContentType(type ?? null)?.binary) {
    throw new ConnectError(`unsupported content type ${type}`, Code.Unknown, toWebHeaders(header));
  }
}

/** A stream that ended without a status was cut off (reset or connection lost) or is a broken peer. */
function missingStatus(raw: RawUnaryResponse): ConnectError {
  if (raw.failure !== undefined || raw.rstCode !== 0) {
    return connectErrorFromHttp2(raw.failure, raw.rstCode);
  }
  return new ConnectError("protocol error: missing status", Code.Internal);
}

/** Decodes grpc-status, percent-encoded grpc-message and grpc-status-details-bin. */
function statusError(
  header: IncomingHttpHeaders,
  trailer: IncomingHttpHeaders | undefined,
): ConnectError {
  const error =
    findTrailerError(toWebHeaders(trailer ?? header)) ??
    new ConnectError("protocol error: inconsistent grpc-status", Code.Internal);
  // Like connect's own gRPC client, error metadata carries headers and trailers.
  if (trailer !== undefined) {
    toWebHeaders(header).forEach((value, name) => {
      error.metadata.append(name, value);
    });
  }
  return error;
}

function readMessage(chunks: readonly Buffer[], maxMessageBytes: number): Buffer {
  if (chunks.length === 0) {
    throw new ConnectError(
      "protocol error: missing output message for unary method",
      Code.Unimplemented,
    );
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  try {
    return decodeSingleFrame(body, maxMessageBytes);
  } catch (err) {
    throw asResponseFrameError(err);
  }
}

/**
 * decodeSingleFrame speaks from a server's side (a bad request body is
 * INVALID_ARGUMENT). A bad response body is the server's fault: INTERNAL,
 * as gRPC specifies for unexpected compression too. Size limits keep
 * RESOURCE_EXHAUSTED.
 */
function asResponseFrameError(err: unknown): unknown {
  if (!(err instanceof ConnectError) || err.code === Code.ResourceExhausted) return err;
  return new ConnectError(err.rawMessage, Code.Internal, undefined, undefined, err);
}
