import { and, eq, lt } from "drizzle-orm";
import type { AppDatabase } from "../db/index.js";
import type { Logger } from "../log/index.js";
import type { ProcessedEventsTable } from "./processed-events.js";

/** PrunedConsumer is one consumer's markers, and how long they must be kept. */
export interface PrunedConsumer {
  readonly processed: ProcessedEventsTable;
  readonly consumer: string;
  /**
   * How long a marker is kept: longer than its stream may redeliver the
   * event, i.e. the stream's max age, plus a margin.
   */
  readonly retainMs: number;
}

/** How often the markers are pruned; the first run is at start. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * uuidV7Before is the smallest UUIDv7 of millisecond `ms`. Event ids are
 * UUIDv7 (time-ordered, the time in the first 48 bits), so every id of an
 * event created before `ms` sorts below it: markers are pruned along the
 * primary key (consumer, event_id), with no index on processed_at.
 */
export function uuidV7Before(ms: number): string {
  const t = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7000-8000-000000000000`;
}

/**
 * pruneProcessedEvents deletes `consumer`'s markers of events created more
 * than `retainMs` ago; resolves to how many.
 */
export async function pruneProcessedEvents(
  db: AppDatabase,
  target: PrunedConsumer,
  now: number = Date.now(),
): Promise<number> {
  const { processed, consumer, retainMs } = target;
  const deleted = await db
    .delete(processed)
    .where(
      and(eq(processed.consumer, consumer), lt(processed.eventId, uuidV7Before(now - retainMs))),
    )
    .returning({ eventId: processed.eventId });
  return deleted.length;
}

/**
 * startProcessedEventsPruner keeps processed-events tables from growing
 * forever: at start and then hourly, each consumer's markers older than
 * its retention go. A marker is what makes a redelivered event a
 * duplicate, so it is kept as long as the stream may still deliver the
 * event (see PrunedConsumer.retainMs). A failed run is logged and tried
 * again at the next.
 */
export function startProcessedEventsPruner(
  db: AppDatabase,
  targets: readonly PrunedConsumer[],
  logger: Logger,
): { stop(): Promise<void> } {
  if (targets.length === 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = (async () => {
      for (const target of targets) {
        await pruneProcessedEvents(db, target).then(
          (count) => {
            if (count > 0) logger.info({ consumer: target.consumer, count }, "markers pruned");
          },
          (err: unknown) =>
            logger.warn({ err, consumer: target.consumer }, "pruning processed events failed"),
        );
      }
    })();
  };
  run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
