import type { DescMessage } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AppDatabase } from "../db/index.js";
import type { ConsumerHandle, EventBroker } from "../events/broker.js";
import { createEventBroker } from "../events/create-event-broker.js";
import type { OutboxTable } from "../events/outbox.js";
import { type OutboxRelay, startOutboxRelay } from "../events/outbox-relay.js";
import { startProcessedEventsPruner } from "../events/processed-events-pruner.js";
import { type SubscribeOptions, subscribe } from "../events/subscribe.js";
import { defineTopology, type StreamSpec } from "../events/topology.js";
import { createEventMetrics } from "../metrics/event-metrics.js";

/** ServiceEvents declares what a service publishes and consumes. */
export interface ServiceEvents<T extends Record<string, unknown>> {
  /**
   * Streams the service publishes to or reads from. Every service declares
   * the streams it consumes too (`eventStream("orders")`), so whichever
   * starts first creates them; only the stream's owner (its source) updates
   * an existing one, so a consumer never resets the owner's settings.
   */
  readonly streams: readonly StreamSpec[];
  /** The service's outbox table, when it publishes events. */
  readonly outbox?: OutboxTable;
  /** The event handlers, built on the service's database. */
  // biome-ignore lint/suspicious/noExplicitAny: each subscription has its own event type
  readonly subscriptions?: (db: AppDatabase<T>) => readonly SubscribeOptions<any, T>[];
}

/** RunningEvents is a service's live event machinery. */
export interface RunningEvents {
  readonly broker: EventBroker;
  /** Wakes the outbox relay; call after committing a transaction that wrote events. */
  notify(): void;
  /** Outbox lag in ms (0 without an outbox). */
  lag(): Promise<number>;
  /** Stops consumers and the relay, then closes the broker if this service opened it. */
  stop(): Promise<void>;
}

/** EventsOptions say where events go. */
export interface EventsOptions {
  readonly natsUrl: string | undefined;
  readonly logger: Logger;
  /** A broker shared by several services in one process (dev); else one is opened. */
  readonly broker?: EventBroker | undefined;
  /** The service's registry: publishes, deliveries and the outbox backlog are measured in it. */
  readonly metrics?: Registry | undefined;
}

/**
 * startEvents opens the broker (JetStream when NATS_URL is set, else the
 * in-process one), creates the declared streams and consumers, starts the
 * outbox relay and the subscriptions. With `metrics`, they are counted
 * (`events_published_total`, `events_consumed_total`) and the outbox
 * backlog is read at each scrape (`outbox_lag_seconds`, `outbox_pending`).
 */
export async function startEvents<T extends Record<string, unknown>>(
  name: string,
  events: ServiceEvents<T>,
  db: AppDatabase<T>,
  options: EventsOptions,
): Promise<RunningEvents> {
  const owned = options.broker === undefined;
  const broker =
    options.broker ??
    (await createEventBroker({ natsUrl: options.natsUrl, name, logger: options.logger }));
  const subscriptions = events.subscriptions?.(db) ?? [];
  await broker.ensureTopology(
    defineTopology({ streams: events.streams, consumers: subscriptions.map((s) => s.consumer) }),
  );
  const metrics = options.metrics && createEventMetrics(options.metrics);
  const relay: OutboxRelay | undefined = events.outbox
    ? startOutboxRelay({
        db: db as AppDatabase,
        table: events.outbox,
        broker,
        logger: options.logger,
        metrics,
      })
    : undefined;
  if (relay && metrics) metrics.watchOutbox(relay.backlog);
  const consumers: ConsumerHandle[] = subscriptions.map((s) =>
    subscribe<DescMessage, T>(broker, s, metrics),
  );
  const pruner = startProcessedEventsPruner(
    db as AppDatabase,
    subscriptions.flatMap((s) => {
      const retainMs = markerRetentionMs(events.streams, s.consumer.stream);
      return retainMs === undefined
        ? []
        : [{ processed: s.processed, consumer: s.consumer.durable, retainMs }];
    }),
    options.logger,
  );
  return {
    broker,
    notify: () => relay?.notify(),
    lag: () => relay?.lag() ?? Promise.resolve(0),
    async stop() {
      await pruner.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await relay?.stop();
      if (owned) await broker.close();
    },
  };
}

// A marker outlives every redelivery of its event, a recreated consumer's
// replay of the whole stream included: the stream's max age, plus a day for
// events that waited in the outbox before their publish. A stream that keeps
// everything (max age 0), or one this service does not declare, keeps its
// markers for good (undefined).
function markerRetentionMs(streams: readonly StreamSpec[], stream: string): number | undefined {
  const maxAgeMs = streams.find((s) => s.name === stream)?.maxAgeMs;
  return maxAgeMs ? maxAgeMs + 24 * 3_600_000 : undefined;
}
