import type { Tracer } from "@opentelemetry/api";
import { and, asc, isNotNull, isNull, lte, notInArray, type SQLWrapper, sql } from "drizzle-orm";
import { alias, getTableConfig } from "drizzle-orm/pg-core";
import type { AppDatabase, AppTransaction } from "../db/index.js";
import type { Logger } from "../log/index.js";
import type { EventMetrics, OutboxBacklog } from "../metrics/event-metrics.js";
import { tracerFor } from "../tracing/tracer-for.js";
import type { EventBroker } from "./broker.js";
import { reasonOf } from "./dead-letter-headers.js";
import { eventHeader, type OutboxTable } from "./outbox.js";
import { type BatchOutcome, type PublishFailure, publishBatch } from "./publish-batch.js";
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
  /** Keys with a failed publish: 0 when all went out. */
  readonly failedKeys: number;
}

// How often published rows are pruned: a cheap delete, but not per batch.
const pruneEveryMs = 60_000;

/**
 * startOutboxRelay publishes a service's outbox rows in the order they were
 * written, each with msgId = event id, and marks them published in the same
 * transaction that locked them. A crash between publish and commit means
 * the row is published again, and the stream's dedupe window drops the copy.
 *
 * A batch is one transaction of four round trips (BEGIN, claim, mark,
 * COMMIT) however many rows it holds, and its publishes are pipelined
 * (see publishBatch): sent together, their acks awaited together, a key's
 * next event only after its previous one was acknowledged. Under load,
 * rows committed while a batch runs make the next one: `notify()` calls
 * that arrive meanwhile coalesce into a single wake-up.
 *
 * The claim takes a transaction-level advisory lock on the table in the
 * same statement, so with several replicas one relay publishes at a time
 * while the others stand by; its rows are locked `FOR UPDATE SKIP LOCKED`,
 * which also makes a relay that got the lock just as another committed
 * re-check those rows and skip the ones now published. So no row is
 * published twice, and events of one subject key never overtake each other.
 * A failed publish records attempts and last_error on its row and holds
 * back the later rows of its key (other keys go on). The next claims leave
 * those rows out, and the failed row too while its key rests (a backoff of
 * its own, up to `maxBackoffMs`), so a key that keeps failing neither fills
 * every batch nor slows the others (see createStalledKeys); the relay as a
 * whole backs off only when a batch sent nothing and several keys failed. An event without a subject key is ordered
 * with no other, so a failing one holds back nothing.
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
  const stalled = createStalledKeys(settings);
  let stopped = false;
  let lastPrune = 0;

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      const result = await relayBatch(options, settings.batchSize, lockKey, publish, stalled).catch(
        (err) => {
          options.logger.error({ err }, "outbox relay batch failed");
          return { published: 0, failedKeys: Number.POSITIVE_INFINITY };
        },
      );
      // The relay as a whole backs off only when nothing went out and more
      // than one key failed (the broker, not an event, is the trouble): a
      // single key that keeps failing rests on its own (createStalledKeys)
      // while the others are polled as usual.
      failures = result.published === 0 && result.failedKeys > 1 ? failures + 1 : 0;
      if (Date.now() - lastPrune > pruneEveryMs) {
        lastPrune = Date.now();
        await prune(options, settings.retainPublishedMs);
      }
      if (result.failedKeys === 0 && result.published === settings.batchSize) continue;
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
  stalled: StalledKeys,
): Promise<BatchResult> {
  const outcome = await options.db.transaction(async (tx) => {
    const rows = await claimRows(tx, options.table, lockKey, batchSize, stalled);
    if (rows.length === 0) return undefined;
    const outcome = await publishBatch(rows.map(withOrderKey), (message) => publish(message.row));
    await settle(tx, options, outcome);
    return outcome;
  });
  if (!outcome) return { published: 0, failedKeys: 0 };
  stalled.record(outcome);
  const failedKeys = new Set(
    outcome.failed.map(({ message }) => message.headers[eventHeader.subjectKey]),
  ).size;
  return { published: outcome.sent.length, failedKeys };
}

// A claimed row as publishBatch sees it: its subject-key header is the key
// it is ordered by, its own one, or its event id when it has none, so that
// keyless events wait for none other. `row` is what is published.
interface Claimed extends OutgoingMessage {
  readonly row: OutgoingMessage;
}

function withOrderKey(row: OutgoingMessage): Claimed {
  const key = row.headers[eventHeader.subjectKey] || row.eventId;
  return { ...row, headers: { ...row.headers, [eventHeader.subjectKey]: key }, row };
}

// How many failing keys a relay remembers; past that it forgets the
// longest-known, and relearns it from one more failed batch.
const maxStalledKeys = 1_000;

type StalledKeys = ReturnType<typeof createStalledKeys>;

// The keys whose oldest unpublished row failed to publish in this relay,
// each with that row's event id. The claim skips their later rows, so a
// key that keeps failing does not fill every batch with rows that are held
// back; and it skips the failed row itself while the key rests, a backoff
// of its own (pollMs doubling per failure, up to maxBackoffMs), so the
// relay keeps polling the other keys at its usual pace. A hint, never
// trusted for order: the claim skips a later row only while the
// remembered row is still unpublished and older with the same key, so a
// row another replica published since stops holding anything back. A
// relay that does not know a failing key yet (just started) learns it from
// one batch. Keyless rows hold back no others, so they are not remembered.
function createStalledKeys(settings: { pollMs: number; maxBackoffMs: number }) {
  const heads = new Map<string, { eventId: string; failures: number; restUntil: number }>();
  return {
    heads: (): string[] => [...heads.values()].map((h) => h.eventId),
    resting: (now: number): string[] =>
      [...heads.values()].filter((h) => h.restUntil > now).map((h) => h.eventId),
    record({ sent, failed }: BatchOutcome<Claimed>) {
      for (const message of sent) heads.delete(message.row.headers[eventHeader.subjectKey] ?? "");
      for (const { message } of failed) {
        const key = message.row.headers[eventHeader.subjectKey];
        if (!key) continue;
        const previous = heads.get(key);
        const failures = previous?.eventId === message.eventId ? previous.failures + 1 : 1;
        const rest = Math.min(settings.maxBackoffMs, settings.pollMs * 2 ** failures);
        heads.delete(key);
        heads.set(key, { eventId: message.eventId, failures, restUntil: Date.now() + rest });
        if (heads.size > maxStalledKeys) heads.delete(heads.keys().next().value as string);
      }
    },
  };
}

// Marks what the broker acknowledged, records what it refused, in the
// batch's transaction; one statement each however many rows.
async function settle(
  tx: AppTransaction,
  options: OutboxRelayOptions,
  { sent, failed, held }: BatchOutcome<OutgoingMessage>,
): Promise<void> {
  const { table, metrics } = options;
  for (const row of sent) metrics?.published(row.subject, true);
  for (const { message } of failed) metrics?.published(message.subject, false);
  if (sent.length > 0) {
    const ids = sent.map((row) => row.eventId);
    await tx.update(table).set({ publishedAt: publishTime }).where(idIn(table, ids));
  }
  if (failed.length === 0) return;
  await recordFailures(tx, table, failed);
  const [{ message, error }] = failed as [PublishFailure<OutgoingMessage>];
  options.logger.warn(
    { err: error, eventId: message.eventId, failed: failed.length, held },
    "publish failed",
  );
}

// When the broker acknowledged the row, not when the relay's transaction began.
const publishTime = sql`clock_timestamp()`;

// The advisory lock is taken in the same statement (an uncorrelated
// subquery, evaluated once, as a one-time filter): a relay that does not get
// it sees no rows. It is taken after the statement's snapshot, so rows
// another relay published just before are only skipped thanks to the row
// locks: `FOR UPDATE` re-reads a row updated since the snapshot and drops it
// when it no longer matches `published_at is null`
// (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED).
//
// The rows that follow a stalled key's failed row (`stalledHeads`, see
// createStalledKeys) are left out, so the batch fills up with other keys'
// rows instead of rows that would only be held back. What is left out of a
// key is always the end of its queue, so a batch still holds, of each key,
// its oldest unpublished rows. The check is a primary-key lookup of those
// few rows; without failures the statement is the plain ordered scan of the
// partial index on unpublished rows.
function claimRows(
  tx: AppTransaction,
  table: OutboxTable,
  lockKey: string,
  limit: number,
  stalled: StalledKeys,
) {
  const locked = sql`(select pg_try_advisory_xact_lock(hashtextextended(${lockKey}, 0)))`;
  const stalledHeads = stalled.heads();
  const resting = stalled.resting(Date.now());
  return tx
    .select({
      eventId: table.eventId,
      subject: table.subject,
      payload: table.payload,
      headers: table.headers,
    })
    .from(table)
    .where(
      and(
        isNull(table.publishedAt),
        locked,
        stalledHeads.length > 0 ? notAfterStalled(table, stalledHeads) : undefined,
        resting.length > 0 ? notInArray(table.eventId, resting) : undefined,
      ),
    )
    .orderBy(asc(table.createdAt), asc(table.eventId))
    .limit(limit)
    .for("update", { skipLocked: true });
}

// True unless an older unpublished row with the same subject key is one of
// `heads`. Keyless rows never match: `heads` holds no keyless row, and an
// empty key is compared as no key.
function notAfterStalled(table: OutboxTable, heads: readonly string[]) {
  const head = alias(table, headAlias);
  const keyOf = (headers: SQLWrapper) => sql`(${headers} ->> ${subjectKeyText})`;
  return sql`not exists (select 1 from ${table} as ${sql.identifier(headAlias)} where ${head.eventId} = any(${sql.param(heads)}::uuid[]) and ${head.publishedAt} is null and ${keyOf(head.headers)} = ${keyOf(table.headers)} and (${head.createdAt}, ${head.eventId}) < (${table.createdAt}, ${table.eventId}))`;
}

const headAlias = "stalled_head";
const subjectKeyText = sql.raw(`'${eventHeader.subjectKey}'`);

type Publish = (row: OutgoingMessage) => Promise<unknown>;

// Each row is published with msgId = its event id; when tracing, in a
// PRODUCER span.
function publisher(broker: EventBroker, tracer: Tracer | undefined): Publish {
  if (tracer) return (row) => tracePublish(tracer, broker, row);
  return (row) =>
    broker.publish(row.subject, row.payload, { msgId: row.eventId, headers: row.headers });
}

// One statement per distinct reason: when the broker is down, every
// message of the batch failed the same way.
async function recordFailures(
  tx: AppTransaction,
  table: OutboxTable,
  failed: readonly PublishFailure<OutgoingMessage>[],
) {
  const byReason = new Map<string, string[]>();
  for (const { message, error } of failed) {
    const reason = reasonOf(error);
    byReason.set(reason, [...(byReason.get(reason) ?? []), message.eventId]);
  }
  for (const [reason, ids] of byReason) {
    await tx
      .update(table)
      .set({ attempts: sql`${table.attempts} + 1`, lastError: reason })
      .where(idIn(table, ids));
  }
}

// One array parameter rather than `in ($1, …, $n)`: the statement's text is
// the same for every batch size, so the driver prepares it once.
function idIn(table: OutboxTable, ids: readonly string[]) {
  return sql`${table.eventId} = any(${sql.param(ids)}::uuid[])`;
}

/**
 * pruneOutbox deletes the rows published at or before `retainMs` ago: with
 * retainMs 0, a row published in the same clock tick as the prune is old
 * enough (PGlite's clock ticks in ms, so "before" alone could keep it).
 */
export async function pruneOutbox(
  db: AppDatabase | AppTransaction,
  table: OutboxTable,
  retainMs: number,
): Promise<void> {
  const cutoff = sql`now() - make_interval(secs => ${retainMs / 1000})`;
  await db.delete(table).where(and(isNotNull(table.publishedAt), lte(table.publishedAt, cutoff)));
}

async function prune(options: OutboxRelayOptions, retainMs: number): Promise<void> {
  await pruneOutbox(options.db, options.table, retainMs).catch((err: unknown) =>
    options.logger.warn({ err }, "pruning the outbox failed"),
  );
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
