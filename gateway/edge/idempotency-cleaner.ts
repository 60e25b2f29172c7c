import type { IdempotencyStore } from "./idempotency-store.js";

/** IdempotencyCleanerOptions configure {@link startIdempotencyCleaner}. */
export interface IdempotencyCleanerOptions {
  readonly store: IdempotencyStore;
  /** Keys older than this are deleted (Stripe keeps them 24 h). */
  readonly retentionMs: number;
  /** Time between two sweeps. */
  readonly intervalMs: number;
  /** Where sweeps are reported; a failed sweep is retried at the next interval. */
  readonly logger?: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
  };
}

/** IdempotencyCleaner is a running cleaner; `stop` waits for a sweep in progress. */
export interface IdempotencyCleaner {
  /** sweep deletes expired keys now; returns how many. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * startIdempotencyCleaner deletes expired idempotency keys every
 * `intervalMs`, starting one interval from now. Its timer is unref'd, so it
 * never keeps a process alive. Every gateway instance runs one; concurrent
 * sweeps of the shared table just find less to delete.
 */
export function startIdempotencyCleaner(options: IdempotencyCleanerOptions): IdempotencyCleaner {
  let running: Promise<number> | undefined;
  const sweep = () => {
    running ??= options.store.deleteOlderThan(options.retentionMs).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweep().then(
      (deleted) => {
        if (deleted > 0) options.logger?.info({ deleted }, "expired idempotency keys deleted");
      },
      (err: unknown) => options.logger?.warn({ err }, "idempotency key cleanup failed"),
    );
  }, options.intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
