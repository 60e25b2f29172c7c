import type { OutgoingHttpHeaders } from "node:http2";
import { forEachHeader, type HeadersInit } from "../rpc/headers-init.js";
import { encodeGrpcTimeout } from "./grpc-timeout.js";

/** Headers the protocol owns; a caller's value for them is dropped, not sent twice. */
const RESERVED = new Set(["content-type", "te", "grpc-timeout", "grpc-encoding"]);

/**
 * grpcRequestHeaders builds the HEADERS of a gRPC call as the plain object
 * `node:http2` takes, avoiding a `Headers` instance per call. Caller
 * headers come after the protocol's (which must lead: pseudo-headers first),
 * lowercased as HTTP/2 requires; a caller may replace `user-agent`.
 * See https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests
 */
export function grpcRequestHeaders(
  path: string,
  timeoutMs: number,
  userAgent: string,
  caller: HeadersInit | undefined,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    "grpc-timeout": encodeGrpcTimeout(timeoutMs),
    "user-agent": userAgent,
  };
  if (caller !== undefined) copyCallerHeaders(caller, headers);
  return headers;
}

function copyCallerHeaders(caller: HeadersInit, target: OutgoingHttpHeaders): void {
  forEachHeader(caller, (name, value) => setCallerHeader(target, name.toLowerCase(), value));
}

function setCallerHeader(target: OutgoingHttpHeaders, name: string, value: string): void {
  if (name.startsWith(":") || RESERVED.has(name)) return;
  const existing = target[name];
  target[name] = existing === undefined || name === "user-agent" ? value : `${existing}, ${value}`;
}
