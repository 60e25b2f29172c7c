import { Code, ConnectError } from "@connectrpc/connect";

/**
 * toConnectError normalizes anything a handler threw, once, at the RPC
 * boundary. A ConnectError passes through; anything else becomes INTERNAL
 * with a fixed message, and the original goes to `cause` for the logs only,
 * never to the client.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof Error && err.name === "AbortError") {
    return new ConnectError("the call was cancelled", Code.Canceled, undefined, undefined, err);
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}
