import type { PgTransactionConfig } from "drizzle-orm/pg-core";
import type { AppDatabase, AppTransaction } from "./create-database.js";
import { errorCodeOf } from "./error-code.js";

/** TransactionOptions configure {@link withTransaction}. */
export interface TransactionOptions {
  /** Extra attempts after a serialization failure or deadlock; default 3. */
  readonly retries?: number;
  /** Isolation level; the server default (read committed) when unset. */
  readonly isolationLevel?: PgTransactionConfig["isolationLevel"];
}

// serialization_failure and deadlock_detected: Postgres rolled the whole
// transaction back, and the documented remedy is to run it again from the
// start (https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html).
const retryableCodes = new Set(["40001", "40P01"]);

/**
 * withTransaction runs `fn` in a transaction and, when Postgres aborts it with
 * a serialization failure (40001) or a deadlock (40P01), runs the whole
 * transaction again after a short jittered pause, up to `retries` times.
 * `fn` must therefore be safe to re-run: no side effects outside the
 * transaction (publish events through the outbox instead).
 */
export async function withTransaction<TSchema extends Record<string, unknown>, T>(
  db: AppDatabase<TSchema>,
  fn: (tx: AppTransaction<TSchema>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  const config = options.isolationLevel ? { isolationLevel: options.isolationLevel } : undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(fn, config);
    } catch (err) {
      const code = errorCodeOf(err);
      if (attempt >= retries || code === undefined || !retryableCodes.has(code)) throw err;
      await sleep(backoffMs(attempt));
    }
  }
}

// "Full jitter" (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
// transactions that collided once should not wake up in lockstep and collide again.
function backoffMs(attempt: number): number {
  return Math.random() * 10 * 2 ** attempt;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
