import type { OutgoingHttpHeaders } from "node:http2";
import { encodeGrpcTimeout } from "./grpc-timeout.js";

/** What a Connect caller may pass as headers (fetch's HeadersInit). */
type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;

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
  if (caller instanceof Headers) {
    // Headers already lowercases names and joins repeated values.
    caller.forEach((value, name) => {
      setCallerHeader(target, name, value);
    });
  } else if (Array.isArray(caller)) {
    for (const [name, value] of caller) {
      if (name !== undefined && value !== undefined)
        setCallerHeader(target, name.toLowerCase(), value);
    }
  } else {
    for (const name of Object.keys(caller)) {
      const value = caller[name]!;
      setCallerHeader(
        target,
        name.toLowerCase(),
        typeof value === "string" ? value : value.join(", "),
      );
    }
  }
}

function setCallerHeader(target: OutgoingHttpHeaders, name: string, value: string): void {
  if (name.startsWith(":") || RESERVED.has(name)) return;
  const existing = target[name];
  target[name] = existing === undefined || name === "user-agent" ? value : `${existing}, ${value}`;
}
