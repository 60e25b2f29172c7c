import { Counter, Gauge, type Registry } from "prom-client";

/**
 * ConsumeResult is what became of one delivery to a consumer's handler:
 * `ok` handled, `duplicate` already handled before (acknowledged without
 * running the handler), `error` failed and will be redelivered,
 * `dead_lettered` stored in the dead-letter stream (counted once, when the
 * write succeeded; a failure on the last attempt whose write failed is
 * neither, and comes back).
 */
export type ConsumeResult = "ok" | "error" | "dead_lettered" | "duplicate";

const CONSUME_RESULTS: readonly ConsumeResult[] = ["ok", "error", "dead_lettered", "duplicate"];

/**
 * ConsumeCounters count one consumer's deliveries, one counter per result,
 * and its failed dead-letter writes.
 */
export type ConsumeCounters = { readonly [R in ConsumeResult]: { inc(): void } } & {
  readonly deadLetterWriteFailed: { inc(): void };
};

interface Inc {
  inc(value?: number): void;
}

/** OutboxBacklog is what the outbox relay has yet to publish. */
export interface OutboxBacklog {
  /** Unpublished rows. */
  readonly pending: number;
  /** Age in ms of the oldest unpublished row, 0 when none. */
  readonly lagMs: number;
}

/** EventMetrics records what a service publishes and consumes. */
export interface EventMetrics {
  /** Counts one publish by the outbox relay. */
  published(subject: string, ok: boolean): void;
  /**
   * consumer gives the counters of one durable consumer, built when it
   * subscribes; every result's series exists from then on, at 0.
   */
  consumer(durable: string): ConsumeCounters;
  /**
   * watchOutbox registers `outbox_lag_seconds` and `outbox_pending`, read
   * by `backlog` when Prometheus scrapes (one query for both). A read that
   * fails or takes over a second reports NaN: unknown, rather than a stale
   * or made-up value, and a saturated pool never stalls the whole scrape.
   * Call it once, for a service with an outbox.
   */
  watchOutbox(backlog: () => Promise<OutboxBacklog>): void;
}

/**
 * createEventMetrics registers `events_published_total{subject,result}`,
 * `events_consumed_total{consumer,result}` and
 * `events_dead_letter_write_failures_total{consumer}`. Label children are cached per
 * subject, and built per consumer at subscribe time, so counting costs a
 * map lookup at most.
 */
export function createEventMetrics(registry: Registry): EventMetrics {
  const published = new Counter({
    name: "events_published_total",
    help: "Events the outbox relay published, by subject and result (ok, error)",
    labelNames: ["subject", "result"] as const,
    registers: [registry],
  });
  const consumed = new Counter({
    name: "events_consumed_total",
    help: "Deliveries handled, by durable consumer and result (ok, error, dead_lettered, duplicate)",
    labelNames: ["consumer", "result"] as const,
    registers: [registry],
  });
  const deadLetterWriteFailures = new Counter({
    name: "events_dead_letter_write_failures_total",
    help: "Dead-letter writes that failed, by durable consumer; each message is delivered again to retry",
    labelNames: ["consumer"] as const,
    registers: [registry],
  });
  const bySubject = new Map<string, { ok: Inc; error: Inc }>();
  return {
    published(subject, ok) {
      let counters = bySubject.get(subject);
      if (counters === undefined) {
        counters = {
          ok: published.labels(subject, "ok"),
          error: published.labels(subject, "error"),
        };
        // Both series exist from a subject's first publish, so `error` reads 0, not nothing.
        counters.error.inc(0);
        bySubject.set(subject, counters);
      }
      (ok ? counters.ok : counters.error).inc();
    },
    consumer(durable) {
      const counters = {} as Record<ConsumeResult, Inc>;
      for (const result of CONSUME_RESULTS) {
        counters[result] = consumed.labels(durable, result);
        counters[result].inc(0);
      }
      const deadLetterWriteFailed = deadLetterWriteFailures.labels(durable);
      deadLetterWriteFailed.inc(0);
      return { ...counters, deadLetterWriteFailed };
    },
    watchOutbox(backlog) {
      watchOutbox(registry, backlog);
    },
  };
}

// How long a scrape waits for the outbox backlog.
const BACKLOG_TIMEOUT_MS = 1_000;

function watchOutbox(registry: Registry, backlog: () => Promise<OutboxBacklog>): void {
  // Both gauges are collected concurrently on a scrape: they share one read.
  let reading: Promise<OutboxBacklog | undefined> | undefined;
  const read = () => {
    reading ??= withTimeout(backlog(), BACKLOG_TIMEOUT_MS).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: "outbox_lag_seconds",
    help: "Age of the oldest unpublished outbox row, 0 when none; NaN when unknown",
    registers: [registry],
    async collect() {
      const current = await read();
      this.set(current === undefined ? Number.NaN : current.lagMs / 1000);
    },
  });
  new Gauge({
    name: "outbox_pending",
    help: "Unpublished outbox rows; NaN when unknown",
    registers: [registry],
    async collect() {
      const current = await read();
      this.set(current === undefined ? Number.NaN : current.pending);
    },
  });
}

// Resolves to undefined when `promise` rejects or has not settled in `ms`.
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
