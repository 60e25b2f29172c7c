import { parseTimeout } from "@connectrpc/connect/protocol-grpc";

/**
 * capTimeoutHeader applies a method's policy timeout to a request served by
 * Connect's handlers, by rewriting the protocol's own timeout header to
 * min(client timeout, policy timeout). Connect then enforces it with its
 * usual machinery, so every protocol honours the same proto-declared bound.
 */
export function capTimeoutHeader(header: Headers, capMs: number | undefined): void {
  if (capMs === undefined) return;
  const contentType = header.get("content-type") ?? "";
  if (contentType.startsWith("application/grpc")) {
    const asked = parseTimeout(header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER).timeoutMs;
    if (asked === undefined || asked > capMs) header.set("grpc-timeout", `${capMs}m`);
  } else {
    const asked = Number.parseInt(header.get("connect-timeout-ms") ?? "", 10);
    if (!(asked <= capMs)) header.set("connect-timeout-ms", String(capMs));
  }
}
