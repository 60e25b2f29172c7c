import type { IncomingMessage } from "node:http";
import { idempotencyKeyInvalid } from "../runtime/gateway-errors.js";

/** MAX_IDEMPOTENCY_KEY_LENGTH is Stripe's limit: room for a UUID or a client's own scheme. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * readIdempotencyKey returns the request's `Idempotency-Key`
 * (draft-ietf-httpapi-idempotency-key-header), or undefined when it has
 * none. An empty key or one over {@link MAX_IDEMPOTENCY_KEY_LENGTH}
 * characters is a 400 IDEMPOTENCY_KEY_INVALID: silently ignoring it would
 * leave the client believing its retries are safe.
 */
export function readIdempotencyKey(req: IncomingMessage): string | undefined {
  const header = req.headers["idempotency-key"];
  if (header === undefined) return undefined;
  // Sent twice, the key is ambiguous: refused like an invalid one.
  const key = typeof header === "string" ? header : "";
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw idempotencyKeyInvalid(MAX_IDEMPOTENCY_KEY_LENGTH);
  }
  return key;
}
