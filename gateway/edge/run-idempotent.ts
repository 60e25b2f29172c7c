import { Code } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";
import { toConnectError } from "../../platform/rpc/to-connect-error.js";
import { idempotencyKeyInUse, idempotencyKeyReused } from "../runtime/gateway-errors.js";
import type { IdempotencyStore, StoredResponse } from "./idempotency-store.js";

/** IdempotentRequest is one keyed request for {@link runIdempotent}. */
export interface IdempotentRequest {
  readonly store: IdempotencyStore;
  /** The principal's key (`user:<id>`, `key:<id>`): keys are per account. */
  readonly scope: string;
  readonly key: string;
  /** idempotencyFingerprint of the request. */
  readonly fingerprint: string;
  /** The request's span when tracing: the store's statements hang under it. */
  readonly span?: Span | undefined;
  /**
   * Runs the request (the upstream call) and renders its success: what the
   * client gets, and what is kept for replays, the same but for any secret
   * it shows once (see withoutRedactedFields).
   */
  execute(): Promise<{ readonly sent: StoredResponse; readonly kept: StoredResponse }>;
  /** Renders a failure of `execute` as the response the client gets. */
  renderError(err: unknown): StoredResponse;
  /** Told when the store could not record an outcome; the client is answered anyway. */
  storeFailed(err: unknown): void;
}

/** IdempotentOutcome is the response to send, and whether it is a replay. */
export interface IdempotentOutcome {
  readonly response: StoredResponse;
  readonly replayed: boolean;
}

// Outcomes that are not saved (the key is released, so the client may retry
// with it): the request was refused before the endpoint started executing,
// as Stripe saves nothing for a failed validation or a conflict.
const NOT_EXECUTED: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.ResourceExhausted,
  Code.Unavailable,
  Code.Canceled,
]);

/**
 * runIdempotent serves a request under its Idempotency-Key, with Stripe's
 * semantics: the first request claims the key and runs; its response,
 * success or error, is saved before it is sent (less any secret shown
 * once), and replayed to every retry with the same parameters. A retry while the first still runs is
 * 409 IDEMPOTENCY_KEY_IN_USE; the same key with other parameters is 422
 * IDEMPOTENCY_KEY_REUSED. Requests refused before running (see
 * NOT_EXECUTED) release the key instead, so a corrected retry can use it.
 */
export async function runIdempotent(request: IdempotentRequest): Promise<IdempotentOutcome> {
  const { store, scope, key, span } = request;
  const claim = await store.claim(scope, key, request.fingerprint, span);
  if (claim.kind === "replay") return { response: claim.response, replayed: true };
  if (claim.kind === "in_flight") throw idempotencyKeyInUse();
  if (claim.kind === "mismatch") throw idempotencyKeyReused();
  let sent: StoredResponse;
  let kept: StoredResponse;
  try {
    ({ sent, kept } = await request.execute());
  } catch (err) {
    if (NOT_EXECUTED.has(toConnectError(err).code)) {
      await store.release(scope, key, span).catch(request.storeFailed);
      throw err;
    }
    sent = kept = request.renderError(err);
  }
  await store.complete(scope, key, kept, span).catch(request.storeFailed);
  return { response: sent, replayed: false };
}
