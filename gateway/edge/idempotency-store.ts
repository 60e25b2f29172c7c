import type { Span } from "@opentelemetry/api";
import { and, eq, sql } from "drizzle-orm";
import { type AppDatabase, mapDbError, statementsUnder } from "../../platform/db/index.js";
import { idempotencyKeys } from "../db/schema.js";

/** StoredResponse is the first answer to a key, replayed to its retries. */
export interface StoredResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** IdempotencyClaim is what {@link IdempotencyStore.claim} found for a key. */
export type IdempotencyClaim =
  /** The key is this request's: run it, then `complete` or `release`. */
  | { readonly kind: "claimed" }
  /** The key's first request finished: answer with its response. */
  | { readonly kind: "replay"; readonly response: StoredResponse }
  /** The key's first request is still running (409). */
  | { readonly kind: "in_flight" }
  /** The key was first used with other parameters (422). */
  | { readonly kind: "mismatch" };

/**
 * IdempotencyStore keeps Idempotency-Key state in Postgres, shared by every
 * gateway instance. `span` is the request's, when tracing: the statements'
 * spans hang under it (the gateway passes parents explicitly).
 */
export interface IdempotencyStore {
  claim(scope: string, key: string, fingerprint: string, span?: Span): Promise<IdempotencyClaim>;
  /** complete stores the response of a claimed key. */
  complete(scope: string, key: string, response: StoredResponse, span?: Span): Promise<void>;
  /** release forgets a claimed key, so the client may retry with it. */
  release(scope: string, key: string, span?: Span): Promise<void>;
  /** deleteOlderThan removes keys created more than `retentionMs` ago; returns how many. */
  deleteOlderThan(retentionMs: number): Promise<number>;
}

/** IdempotencyStoreOptions configure {@link createIdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /**
   * How long a claim holds its key before another request may take it
   * over: longer than any request can run (its RPC deadline), so it only
   * expires when the gateway that claimed it died.
   */
  readonly lockMs: number;
}

const CLAIMED: IdempotencyClaim = { kind: "claimed" };
const IN_FLIGHT: IdempotencyClaim = { kind: "in_flight" };
const MISMATCH: IdempotencyClaim = { kind: "mismatch" };
const t = idempotencyKeys;

// Rows per cleanup statement: short transactions, however large the backlog.
const DELETE_BATCH = 5_000;

/**
 * createIdempotencyStore implements Stripe's idempotency semantics on the
 * gateway's table. A claim is one atomic `INSERT … ON CONFLICT`: it creates
 * the row, or takes over an abandoned one (same parameters, lock expired),
 * so two gateways racing on one key never both run it. Times are the
 * database's `now()`, never an instance's clock. Database errors become
 * ConnectErrors (UNAVAILABLE when it is down: 503, retry).
 */
export function createIdempotencyStore(
  db: AppDatabase,
  options: IdempotencyStoreOptions,
): IdempotencyStore {
  const lockUntil = sql`now() + ${millis(options.lockMs)}`;
  const row = (scope: string, key: string) => and(eq(t.scope, scope), eq(t.key, key));
  return {
    claim: (scope, key, fingerprint, span) =>
      guard(() => claim(statementsUnder(db, span), { scope, key, fingerprint }, lockUntil)),
    complete: (scope, key, response, span) =>
      guard(async () => {
        await statementsUnder(db, span)
          .update(t)
          .set({
            state: "done",
            lockedUntil: null,
            responseStatus: response.status,
            responseContentType: response.contentType,
            responseBody: response.body,
          })
          .where(and(row(scope, key), eq(t.state, "in_flight")));
      }),
    release: (scope, key, span) =>
      guard(async () => {
        await statementsUnder(db, span)
          .delete(t)
          .where(and(row(scope, key), eq(t.state, "in_flight")));
      }),
    deleteOlderThan: (retentionMs) => guard(() => deleteOlderThan(db, retentionMs)),
  };
}

interface KeyRequest {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
}

async function claim(
  db: AppDatabase,
  request: KeyRequest,
  lockUntil: ReturnType<typeof sql>,
): Promise<IdempotencyClaim> {
  // A row may vanish between the two statements (released, or cleaned):
  // then the insert is tried again.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await insertOrTakeOver(db, request, lockUntil)) return CLAIMED;
    const [found] = await db
      .select()
      .from(t)
      .where(and(eq(t.scope, request.scope), eq(t.key, request.key)));
    if (found === undefined) continue;
    if (found.fingerprint !== request.fingerprint) return MISMATCH;
    if (found.state !== "done") return IN_FLIGHT;
    const response = {
      status: found.responseStatus!,
      contentType: found.responseContentType ?? "application/json",
      body: found.responseBody!,
    };
    return { kind: "replay", response };
  }
  return IN_FLIGHT;
}

async function insertOrTakeOver(
  db: AppDatabase,
  request: KeyRequest,
  lockUntil: ReturnType<typeof sql>,
): Promise<boolean> {
  const rows = await db
    .insert(t)
    .values({ ...request, state: "in_flight", lockedUntil: lockUntil })
    .onConflictDoUpdate({
      target: [t.scope, t.key],
      set: { lockedUntil: lockUntil },
      // Only an abandoned claim of the same request is taken over.
      setWhere: sql`${t.state} = 'in_flight' and ${t.lockedUntil} <= now() and ${t.fingerprint} = excluded.fingerprint`,
    })
    .returning({ key: t.key });
  return rows.length > 0;
}

async function deleteOlderThan(db: AppDatabase, retentionMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db
      .delete(t)
      .where(
        sql`ctid in (select ctid from ${t} where ${t.createTime} < now() - ${millis(retentionMs)} limit ${DELETE_BATCH})`,
      )
      .returning({ key: t.key });
    total += deleted.length;
    if (deleted.length < DELETE_BATCH) return total;
  }
}

// A typed parameter: `$1 * interval` alone is ambiguous to Postgres.
function millis(ms: number) {
  return sql`(${ms}::double precision * interval '1 millisecond')`;
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err);
  }
}
