import type { Tracer } from "@opentelemetry/api";
import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import type { AppDatabase, AppTransaction } from "../db/index.js";
import type { Logger } from "../log/index.js";
import type { EventMetrics, OutboxBacklog } from "../metrics/event-metrics.js";
import { tracerFor } from "../tracing/tracer-for.js";
import type { EventBroker } from "./broker.js";
import { reasonOf } from "./dead-letter-headers.js";
import type { OutboxTable } from "./outbox.js";
import { type OutgoingMessage, tracePublish } from "./trace-messages.js";

/** OutboxRelayOptions configure {@link startOutboxRelay}. */
export interface OutboxRelayOptions {
  readonly db: AppDatabase;
  readonly table: OutboxTable;
  readonly broker: EventBroker;
  readonly logger: Logger;
  /** Rows published per transaction; default 100. */
  readonly batchSize?: number | undefined;
  /** How often to look for rows written by other processes; default 200 ms. */
  readonly pollMs?: number | undefined;
  /** Longest pause after consecutive failures; default 30 s. */
  readonly maxBackoffMs?: number | undefined;
  /** Published rows older than this are deleted; default 7 days. */
  readonly retainPublishedMs?: number | undefined;
  /** Counts every publish (`events_published_total`) when given. */
  readonly metrics?: Pick<EventMetrics, "published"> | undefined;
}

/** OutboxRelay is a running relay. */
export interface OutboxRelay {
  /** Wakes the relay now: call after committing a transaction that wrote events. */
  notify(): void;
  /** Age in ms of the oldest unpublished row, 0 when none: the relay's lag. */
  lag(): Promise<number>;
  /** The unpublished rows: how many, and the lag; one query on the partial index. */
  backlog(): Promise<OutboxBacklog>;
  /** Finishes the batch in progress, then stops; safe to call twice. */
  stop(): Promise<void>;
}

interface BatchResult {
  readonly published: number;
  readonly failed: boolean;
}

// How often published rows are pruned: a cheap delete, but not per batch.
const pruneEveryMs = 60_000;

/**
 * startOutboxRelay publishes a service's outbox rows in the order they were
 * written, each with msgId = event id, and marks them published in the same
 * transaction that locked them. A crash between publish and commit means
 * the row is published again, and the stream's dedupe window drops the copy.
 *
 * Rows are locked `FOR UPDATE SKIP LOCKED`, and each batch also takes a
 * transaction-level advisory lock on the table, so with several replicas
 * one relay publishes at a time while the others stand by: no row is
 * published twice, and events of one subject key never overtake each other.
 * A failed publish stops the batch at that row (recording attempts and
 * last_error) so later rows do not overtake it; the relay then backs off
 * exponentially up to `maxBackoffMs`.
 *
 * When the process traces, each publish is a PRODUCER span in the trace of
 * the request that wrote the event (see tracePublish), named after the
 * service whose Postgres schema holds the outbox.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const settings = {
    batchSize: options.batchSize ?? 100,
    pollMs: options.pollMs ?? 200,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    retainPublishedMs: options.retainPublishedMs ?? 7 * 24 * 3_600_000,
  };
  const { schema, name } = getTableConfig(options.table);
  const lockKey = `protoplane:outbox:${schema ?? "public"}.${name}`;
  const publish = publisher(options.broker, tracerFor(schema ?? "protoplane"));
  const sleeper = createSleeper();
  let stopped = false;
  let lastPrune = 0;

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      const result = await relayBatch(options, settings.batchSize, lockKey, publish).catch(
        (err) => {
          options.logger.error({ err }, "outbox relay batch failed");
          return { published: 0, failed: true };
        },
      );
      failures = result.failed ? failures + 1 : 0;
      if (Date.now() - lastPrune > pruneEveryMs) {
        lastPrune = Date.now();
        await prune(options, settings.retainPublishedMs);
      }
      if (!result.failed && result.published === settings.batchSize) continue;
      const backoff = Math.min(settings.maxBackoffMs, settings.pollMs * 2 ** failures);
      await sleeper.sleep(failures > 0 ? backoff : settings.pollMs);
    }
  };
  const done = loop();

  return {
    notify: sleeper.wake,
    lag: () => lagMs(options.db, options.table),
    backlog: () => backlogOf(options.db, options.table),
    async stop() {
      stopped = true;
      sleeper.wake();
      await done;
    },
  };
}

async function relayBatch(
  options: OutboxRelayOptions,
  batchSize: number,
  lockKey: string,
  publish: Publish,
): Promise<BatchResult> {
  const { db, table } = options;
  return db.transaction(async (tx) => {
    if (!(await tryLock(tx, lockKey))) return { published: 0, failed: false };
    const rows = await tx
      .select({
        eventId: table.eventId,
        subject: table.subject,
        payload: table.payload,
        headers: table.headers,
      })
      .from(table)
      .where(isNull(table.publishedAt))
      .orderBy(asc(table.createdAt), asc(table.eventId))
      .limit(batchSize)
      .for("update", { skipLocked: true });
    const sent: string[] = [];
    for (const row of rows) {
      try {
        await publish(row);
      } catch (err) {
        options.metrics?.published(row.subject, false);
        await recordFailure(tx, table, row.eventId, err);
        options.logger.warn({ err, eventId: row.eventId, subject: row.subject }, "publish failed");
        break;
      }
      options.metrics?.published(row.subject, true);
      sent.push(row.eventId);
    }
    if (sent.length > 0) {
      await tx.update(table).set({ publishedAt: sql`now()` }).where(inArray(table.eventId, sent));
    }
    return { published: sent.length, failed: sent.length < rows.length };
  });
}

type Publish = (row: OutgoingMessage) => Promise<unknown>;

// Each row is published with msgId = its event id; when tracing, in a
// PRODUCER span.
function publisher(broker: EventBroker, tracer: Tracer | undefined): Publish {
  if (tracer) return (row) => tracePublish(tracer, broker, row);
  return (row) =>
    broker.publish(row.subject, row.payload, { msgId: row.eventId, headers: row.headers });
}

// Transaction-scoped, so it is released by COMMIT or ROLLBACK, even if the
// process dies mid-batch (the server ends the transaction with the session).
async function tryLock(tx: AppTransaction, key: string): Promise<boolean> {
  const [row] = await tx
    .select({ locked: sql<boolean>`pg_try_advisory_xact_lock(hashtextextended(${key}, 0))` })
    .from(sql`(select 1) as one`);
  return row?.locked === true;
}

async function recordFailure(tx: AppTransaction, table: OutboxTable, id: string, err: unknown) {
  await tx
    .update(table)
    .set({ attempts: sql`${table.attempts} + 1`, lastError: reasonOf(err) })
    .where(eq(table.eventId, id));
}

async function prune(options: OutboxRelayOptions, retainMs: number): Promise<void> {
  const { db, table, logger } = options;
  const cutoff = sql`now() - make_interval(secs => ${retainMs / 1000})`;
  await db
    .delete(table)
    .where(and(isNotNull(table.publishedAt), lt(table.publishedAt, cutoff)))
    .catch((err: unknown) => logger.warn({ err }, "pruning the outbox failed"));
}

async function lagMs(db: AppDatabase, table: OutboxTable): Promise<number> {
  const [row] = await db
    .select({
      ms: sql<string | null>`extract(epoch from now() - min(${table.createdAt})) * 1000`,
    })
    .from(table)
    .where(isNull(table.publishedAt));
  return row?.ms == null ? 0 : Math.max(0, Number(row.ms));
}

async function backlogOf(db: AppDatabase, table: OutboxTable): Promise<OutboxBacklog> {
  const [row] = await db
    .select({
      pending: sql<string | number>`count(*)`,
      ms: sql<string | null>`extract(epoch from now() - min(${table.createdAt})) * 1000`,
    })
    .from(table)
    .where(isNull(table.publishedAt));
  return {
    pending: Number(row?.pending ?? 0),
    lagMs: row?.ms == null ? 0 : Math.max(0, Number(row.ms)),
  };
}

// One pending wake-up is remembered: a notify() that arrives while a batch
// runs makes the next sleep return at once instead of being lost.
function createSleeper() {
  let wakeUp: (() => void) | undefined;
  let pending = false;
  return {
    wake() {
      if (wakeUp) wakeUp();
      else pending = true;
    },
    sleep(ms: number): Promise<void> {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeUp = undefined;
          resolve();
        }
        wakeUp = done;
      });
    },
  };
}
