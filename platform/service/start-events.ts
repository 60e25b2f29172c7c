import type { DescMessage } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { AppDatabase } from "../db/index.js";
import type { ConsumerHandle, EventBroker } from "../events/broker.js";
import { createEventBroker } from "../events/create-event-broker.js";
import type { OutboxTable } from "../events/outbox.js";
import { type OutboxRelay, startOutboxRelay } from "../events/outbox-relay.js";
import { type SubscribeOptions, subscribe } from "../events/subscribe.js";
import { defineTopology, type StreamSpec } from "../events/topology.js";

/** ServiceEvents declares what a service publishes and consumes. */
export interface ServiceEvents<T extends Record<string, unknown>> {
  /**
   * Streams the service publishes to or reads from. Every service declares
   * the streams it consumes too (`eventStream("orders")`), so whichever
   * starts first creates them; the declarations are identical and idempotent.
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
}

/**
 * startEvents opens the broker (JetStream when NATS_URL is set, else the
 * in-process one), creates the declared streams and consumers, starts the
 * outbox relay and the subscriptions.
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
  const relay: OutboxRelay | undefined = events.outbox
    ? startOutboxRelay({
        db: db as AppDatabase,
        table: events.outbox,
        broker,
        logger: options.logger,
      })
    : undefined;
  const consumers: ConsumerHandle[] = subscriptions.map((s) =>
    subscribe<DescMessage, T>(broker, s),
  );
  return {
    broker,
    notify: () => relay?.notify(),
    lag: () => relay?.lag() ?? Promise.resolve(0),
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
      await relay?.stop();
      if (owned) await broker.close();
    },
  };
}
