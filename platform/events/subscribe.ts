import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { type Context, context } from "@opentelemetry/api";
import { getTableConfig } from "drizzle-orm/pg-core";
import type { EventEnvelope } from "../../gen/platform/v1/event_pb.js";
import type { AppDatabase, AppTransaction } from "../db/index.js";
import type { ConsumeCounters, EventMetrics } from "../metrics/event-metrics.js";
import { endSpan, errorTypeOf } from "../tracing/end-span.js";
import { attr } from "../tracing/semconv.js";
import { tracerFor } from "../tracing/tracer-for.js";
import {
  BatchItemFailed,
  type ConsumerHandle,
  type DeadLetterObserver,
  type Delivery,
  type DeliveryHandler,
  type EventBroker,
} from "./broker.js";
import { decodeEvent } from "./event-envelope.js";
import { eventTypeOf } from "./event-type.js";
import {
  handleEachOnce,
  handleOnce,
  type OnceItem,
  type ProcessedEventsTable,
} from "./processed-events.js";
import { subjectMatches } from "./subject-match.js";
import type { ConsumerSpec } from "./topology.js";
import { startDeliverySpan, traceDelivery } from "./trace-messages.js";

/**
 * EventHandler handles one event inside the transaction that marks it
 * processed. That transaction may hold other events of the same batch
 * (see {@link subscribe}): `now()` is the batch's start, row locks taken
 * are held until the batch commits, and anything transaction-scoped
 * (`SET LOCAL`, advisory transaction locks) is seen by the next handler.
 * A handler that cannot live with that sets `batch: false`.
 */
export type EventHandler<Desc extends DescMessage, TSchema extends Record<string, unknown>> = (
  event: MessageShape<Desc>,
  envelope: EventEnvelope,
  tx: AppTransaction<TSchema>,
) => Promise<void>;

/** SubscribeOptions configure {@link subscribe}. */
export interface SubscribeOptions<
  Desc extends DescMessage,
  TSchema extends Record<string, unknown>,
> {
  /** The durable consumer; its filter must cover the event's subject. */
  readonly consumer: ConsumerSpec;
  /** The event message's schema, e.g. `OrderCreatedSchema`. */
  readonly schema: Desc;
  /** The consuming service's database. */
  readonly db: AppDatabase<TSchema>;
  /** The consuming service's processed-events table. */
  readonly processed: ProcessedEventsTable;
  readonly handler: EventHandler<Desc, TSchema>;
  /** false: every event in a transaction of its own (slower); default true. */
  readonly batch?: boolean;
}

/**
 * subscribe consumes one event type: each delivery is decoded (envelope,
 * then payload as `schema`) and handled once per consumer via
 * {@link handleOnce}, so the handler's writes and the processed marker
 * commit together and a redelivered event is acknowledged without running
 * the handler again. A payload that does not decode fails like a handler
 * error, and ends in the dead-letter stream. When the process traces, each
 * delivery is a CONSUMER span (see traceDelivery), named after the service
 * whose Postgres schema holds `processed`.
 *
 * What has arrived together is handled in one transaction
 * ({@link handleEachOnce}: one marker insert, the handler per event in
 * stream order, one commit), which is most of what a consumer costs when
 * events come fast. If that transaction fails, every event of it is
 * handled again on its own, so one bad event is redelivered or
 * dead-lettered alone and never holds the others back.
 *
 * With `metrics`, every delivery the handler sees is counted in
 * `events_consumed_total{consumer,result}`: `ok`, `duplicate` (handled
 * before), `error` (to be redelivered) or `dead_lettered`, counted by the
 * delivery policy once the message is in the dead-letter stream (after a
 * failed last attempt, or a spent delivery); a dead-letter write that fails
 * counts in `events_dead_letter_write_failures_total{consumer}` instead.
 */
export function subscribe<Desc extends DescMessage, TSchema extends Record<string, unknown>>(
  broker: EventBroker,
  options: SubscribeOptions<Desc, TSchema>,
  metrics?: Pick<EventMetrics, "consumer">,
): ConsumerHandle {
  const { consumer, schema, db, processed, handler } = options;
  const { subject } = eventTypeOf(schema);
  if (!subjectMatches(consumer.filterSubject, subject)) {
    throw new Error(
      `consumer ${consumer.durable} (${consumer.filterSubject}) never sees ${subject}`,
    );
  }
  const counters = metrics?.consumer(consumer.durable);
  const tracer = tracerFor(getTableConfig(processed).schema ?? "protoplane");
  // Decoded for a transaction; `active` is the delivery's span context, if traced.
  const itemOf = (delivery: Delivery, active?: Context): OnceItem<TSchema> => {
    const { envelope, event } = decodeEvent(schema, delivery.data);
    const run = (tx: AppTransaction<TSchema>) => handler(event, envelope, tx);
    return {
      eventId: envelope.eventId,
      fn: active ? (tx) => context.with(active, run, undefined, tx) : run,
    };
  };
  // Resolves to whether the handler ran (false: a duplicate).
  const handleEvent = async (delivery: Delivery): Promise<boolean> => {
    const { eventId, fn } = itemOf(delivery);
    return handleOnce(db, processed, consumer.durable, eventId, fn);
  };
  const handleBatch = async (deliveries: readonly Delivery[]): Promise<void> => {
    const spans = tracer
      ? deliveries.map((d) => startDeliverySpan(tracer, broker, consumer, d, deliveries.length))
      : [];
    let ran: boolean[];
    // The delivery being decoded or handled: if it throws, the failure is its own.
    let current: number | undefined;
    try {
      const items = deliveries.map((delivery, i): OnceItem<TSchema> => {
        current = i;
        const { eventId, fn } = itemOf(delivery, spans[i]?.active);
        return {
          eventId,
          fn: async (tx) => {
            current = i;
            await fn(tx);
            current = undefined;
          },
        };
      });
      current = undefined;
      ran = await handleEachOnce(db, processed, consumer.durable, items);
    } catch (err) {
      // The failed delivery's span says so; the others' are rolled back,
      // and they are handled again alone, each in a span of its own.
      spans.forEach(({ span }, i) => {
        if (i !== current) span.setAttribute(attr.messagingBatchRolledBack, true);
        endSpan(span, i === current ? errorTypeOf(err) : undefined);
      });
      if (current === undefined) throw err;
      if (counters) countFailure(consumer, counters, deliveries[current]!);
      throw new BatchItemFailed(current, err);
    }
    for (const { span } of spans) endSpan(span);
    if (counters) for (const first of ran) (first ? counters.ok : counters.duplicate).inc();
  };
  const handle: DeliveryHandler = counters
    ? counted(consumer, counters, handleEvent)
    : async (delivery) => {
        await handleEvent(delivery);
      };
  return broker.consume(
    consumer,
    tracer ? traceDelivery(tracer, broker, consumer, handle) : handle,
    options.batch === false ? undefined : handleBatch,
    counters && deadLetterCounter(counters),
  );
}

// Dead letters are counted where they are written, by the delivery policy:
// only then is it known that the letter exists.
function deadLetterCounter(counters: ConsumeCounters): DeadLetterObserver {
  return {
    stored: () => counters.dead_lettered.inc(),
    failed: () => counters.deadLetterWriteFailed.inc(),
  };
}

function counted(
  consumer: ConsumerSpec,
  counters: ConsumeCounters,
  handleEvent: (delivery: Delivery) => Promise<boolean>,
): DeliveryHandler {
  return async (delivery) => {
    let ran: boolean;
    try {
      ran = await handleEvent(delivery);
    } catch (err) {
      countFailure(consumer, counters, delivery);
      throw err;
    }
    (ran ? counters.ok : counters.duplicate).inc();
  };
}

// A failure before the last attempt is retried. One on the last attempt
// goes to the dead-letter stream, and is counted when it is stored there
// (see deadLetterCounter), not here: the write may yet fail.
function countFailure(consumer: ConsumerSpec, counters: ConsumeCounters, delivery: Delivery) {
  if (delivery.deliveryCount < consumer.maxDeliver) counters.error.inc();
}
