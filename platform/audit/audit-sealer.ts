import type { AppDatabase } from "../db/index.js";
import type { Logger } from "../log/index.js";
import { type AuditBacklog, auditBacklog } from "./audit-backlog.js";
import type { AuditTable } from "./audit-table.js";
import { onAuditAppend } from "./audit-wake.js";
import { sealAudit } from "./seal-audit.js";

/** AuditSealerOptions configure {@link startAuditSealer}. */
export interface AuditSealerOptions {
  readonly db: AppDatabase;
  readonly table: AuditTable;
  readonly logger: Logger;
  /** Rows sealed per transaction; default 500. */
  readonly batchSize?: number | undefined;
  /** How often to look for rows nobody woke it for (other replicas, missed wakes); default 1 s. */
  readonly sweepMs?: number | undefined;
  /** How long after an append to seal, gathering the appends meanwhile; default 20 ms. */
  readonly debounceMs?: number | undefined;
}

/** AuditSealer is a running sealer. */
export interface AuditSealer {
  /** Seals soon (after the debounce); appendAudit calls it for the sealer's table. */
  notify(): void;
  /** Seals every committed row now; resolves when done. */
  sealNow(): Promise<void>;
  /** The unsealed rows: how many, and the oldest's age. */
  backlog(): Promise<AuditBacklog>;
  /** Stops the timers, then seals what is committed (the drain); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * startAuditSealer chains a service's audit rows in the background, as the
 * outbox relay publishes its events: appendAudit only inserts, and wakes
 * this sealer; after `debounceMs` (so one transaction seals the appends of
 * many requests, and the appending transaction has had time to commit) it
 * seals every committed row (see sealAudit). A sweep every `sweepMs` seals
 * rows appended by other processes, or committed after their wake-up.
 *
 * Sealing runs one batch loop at a time; a wake-up during a run makes it
 * run once more. Failures are logged and retried at the next wake-up or
 * sweep: an unsealed row waits, it is never lost.
 */
export function startAuditSealer(options: AuditSealerOptions): AuditSealer {
  const { db, table, logger } = options;
  const debounceMs = options.debounceMs ?? 20;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sealAll = () =>
    sealAudit(db, table, { batchSize: options.batchSize }).then(
      () => undefined,
      (err: unknown) => logger.warn({ err }, "sealing the audit log failed"),
    );
  const run = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await sealAll();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const notify = () => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, debounceMs).unref();
  };
  // Unreferenced: the sealer never keeps a process alive on its own.
  const sweep = setInterval(() => void run(), options.sweepMs ?? 1_000).unref();
  const unsubscribe = onAuditAppend(table, notify);

  return {
    notify,
    sealNow: run,
    backlog: () => auditBacklog(db, table),
    stop: once(async () => {
      stopped = true;
      clearInterval(sweep);
      clearTimeout(timer);
      unsubscribe();
      await running;
      await sealAll();
    }),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
