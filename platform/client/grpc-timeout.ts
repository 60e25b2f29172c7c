/**
 * The gRPC spec limits a `grpc-timeout` value to 8 ASCII digits, so larger
 * timeouts move to a coarser unit instead of being truncated.
 * See https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests
 */
const MAX_TIMEOUT_VALUE = 99_999_999;

/** The units we send, finest first, with their size in milliseconds. */
const UNITS: ReadonlyArray<readonly [unit: string, ms: number]> = [
  ["m", 1],
  ["S", 1_000],
  ["M", 60_000],
  ["H", 3_600_000],
];

/**
 * encodeGrpcTimeout renders a positive timeout in milliseconds as a
 * `grpc-timeout` header value such as `1500m`. Values round up, never down,
 * so the server never sees a shorter deadline than the client enforces.
 */
export function encodeGrpcTimeout(timeoutMs: number): string {
  for (const [unit, size] of UNITS) {
    const value = Math.ceil(timeoutMs / size);
    if (value <= MAX_TIMEOUT_VALUE) return `${Math.max(value, 1)}${unit}`;
  }
  return `${MAX_TIMEOUT_VALUE}H`;
}
