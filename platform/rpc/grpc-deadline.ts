import { parseTimeout } from "@connectrpc/connect/protocol-grpc";

/**
 * deadlineFrom turns the `grpc-timeout` header and the method's policy timeout
 * into an absolute deadline (ms since epoch). The policy caps what a client
 * may ask for and applies when the client sent none, so no call runs unbounded
 * once a timeout is declared in the proto. A malformed header is ignored like
 * grpc-go does; undefined means no deadline.
 */
export function deadlineFrom(
  header: string | undefined,
  policyTimeoutMs: number | undefined,
): number | undefined {
  let timeoutMs = policyTimeoutMs;
  if (header !== undefined) {
    const parsed = parseTimeout(header, Number.MAX_SAFE_INTEGER);
    if (parsed.timeoutMs !== undefined) {
      timeoutMs =
        timeoutMs === undefined ? parsed.timeoutMs : Math.min(timeoutMs, parsed.timeoutMs);
    }
  }
  return timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
}
