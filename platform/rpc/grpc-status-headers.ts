import type { OutgoingHttpHeaders } from "node:http2";
import type { ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";

/** Trailers of a successful gRPC call, shared: they never change. */
export const GRPC_OK_TRAILERS: OutgoingHttpHeaders = Object.freeze({
  "grpc-status": "0",
}) as OutgoingHttpHeaders;

/**
 * grpcErrorHeaders encodes an error as gRPC status headers (`grpc-status`,
 * percent-encoded `grpc-message`, `grpc-status-details-bin`). Connect's own
 * encoder does the work so both server paths speak byte-identical errors.
 */
export function grpcErrorHeaders(error: ConnectError, extra?: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (extra)
    extra.forEach((value, name) => {
      out[name] = value;
    });
  setTrailerStatus(new Headers(), error).forEach((value, name) => {
    out[name] = value;
  });
  out["grpc-message"] = encodeGrpcMessage(error.rawMessage);
  return out;
}

/**
 * encodeGrpcMessage percent-encodes a status message the way the gRPC over
 * HTTP/2 spec says: only bytes outside printable ASCII, and "%". (Connect's
 * encoder uses encodeURIComponent, which also escapes ":" and "/", and
 * grpc-js decodes with decodeURI, which leaves those escaped.)
 */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** headersToObject copies Fetch Headers into HTTP/2 outgoing headers. */
export function headersToObject(
  headers: Headers | undefined,
  into: OutgoingHttpHeaders = {},
): OutgoingHttpHeaders {
  headers?.forEach((value, name) => {
    into[name] = value;
  });
  return into;
}
