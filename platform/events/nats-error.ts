import { Code, ConnectError } from "@connectrpc/connect";

/**
 * jetStreamErrorCode lists the JetStream API error codes the platform acts on
 * (nats-server `server/errors.json`); they are stable across server versions,
 * unlike the descriptions.
 */
export const jetStreamErrorCode = Object.freeze({
  consumerNotFound: 10014,
  noMessageFound: 10037,
  streamNotFound: 10059,
});

interface NatsErrorShape {
  readonly code?: unknown;
  readonly api_error?: { readonly code?: number; readonly err_code?: number };
}

/** isJetStreamError tells whether `err` is the JetStream API error `errCode`. */
export function isJetStreamError(err: unknown, errCode: number): boolean {
  return (err as NatsErrorShape | undefined)?.api_error?.err_code === errCode;
}

// nats.js client-side codes for a server that cannot be reached or did not
// answer: "503" is "no responders" (no JetStream, or no stream for a subject).
const unavailableCodes = new Set([
  "503",
  "TIMEOUT",
  "CONNECTION_REFUSED",
  "CONNECTION_CLOSED",
  "CONNECTION_DRAINING",
  "DISCONNECT",
]);

/**
 * mapNatsError is the one place NATS errors become ConnectErrors, for
 * callers that answer over RPC (an admin endpoint listing dead letters):
 * unreachable is UNAVAILABLE, a missing stream or message NOT_FOUND, and
 * anything else INTERNAL with the original kept as `cause` for the logs.
 */
export function mapNatsError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const shape = (err ?? {}) as NatsErrorShape;
  if (shape.api_error?.code === 404) {
    return new ConnectError("not found", Code.NotFound, undefined, undefined, err);
  }
  if (typeof shape.code === "string" && unavailableCodes.has(shape.code)) {
    return new ConnectError(
      "the event broker is unavailable",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}
