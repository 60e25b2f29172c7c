import { timestampMs } from "@bufbuild/protobuf/wkt";
import { sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { OrderCreatedSchema } from "../../../gen/orders/v1/events_pb.js";
import type { Database } from "../../../platform/db/index.js";
import type { EventBroker } from "../../../platform/events/broker.js";
import { createProcessedEventsTable } from "../../../platform/events/processed-events.js";
import { subscribe } from "../../../platform/events/subscribe.js";
import {
  type ConsumerSpec,
  defineConsumer,
  defineTopology,
  eventStream,
} from "../../../platform/events/topology.js";

// The stand-in consuming service's one table, created here: it has no migrations.
const consumerSchema = pgSchema("orders_bench_consumer");
const processedEvents = createProcessedEventsTable(consumerSchema);

/** LagConsumer is a subscribed consumer of OrderCreated that times each event's trip. */
export interface LagConsumer {
  /** Events handled so far. */
  handled(): Promise<number>;
  /** Lags in ms, ascending, of the events that occurred within [fromMs, toMs). */
  lagsBetween(fromMs: number, toMs: number): Promise<number[]>;
  stop(): Promise<void>;
}

/** benchConsumer declares the bench's durable consumer of OrderCreated. */
export function benchConsumer(durable: string): ConsumerSpec {
  return defineConsumer({
    durable,
    stream: "EVENTS_ORDERS",
    filterSubject: "orders.order.created.v1",
    batchSize: 100,
  });
}

/**
 * startLagConsumer subscribes to orders' OrderCreated as a consuming service
 * would (`subscribe`: decode, then handle once per event in a transaction
 * with its processed-events marker) and records, per event, the time from
 * the envelope's `occur_time` (taken in orders' transaction, before its
 * commit) to the moment the handler runs: commit, relay pick-up, publish,
 * delivery and the consumer's queue, everything between the write and the
 * effect.
 */
export async function startLagConsumer(
  broker: EventBroker,
  database: Database,
  consumer: ConsumerSpec,
): Promise<LagConsumer> {
  await database.db.execute(sql`create schema if not exists orders_bench_consumer`);
  await database.db.execute(sql`
    create table if not exists orders_bench_consumer.processed_events (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    )`);
  await broker.ensureTopology(
    defineTopology({ streams: [eventStream("orders")], consumers: [consumer] }),
  );
  const occurred: number[] = [];
  const lags: number[] = [];
  const handle = subscribe(broker, {
    consumer,
    schema: OrderCreatedSchema,
    db: database.db,
    processed: processedEvents,
    async handler(_event, envelope) {
      const occurMs = timestampMs(envelope.occurTime!);
      occurred.push(occurMs);
      lags.push(Date.now() - occurMs);
    },
  });
  return {
    handled: async () => lags.length,
    async lagsBetween(fromMs, toMs) {
      const picked = lags.filter((_, i) => occurred[i]! >= fromMs && occurred[i]! < toMs);
      return picked.sort((a, b) => a - b);
    },
    stop: () => handle.stop(),
  };
}
