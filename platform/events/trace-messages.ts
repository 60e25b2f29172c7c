import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { endSpan, errorTypeOf } from "../tracing/end-span.js";
import { attr } from "../tracing/semconv.js";
import { contextFromTraceparent, TRACEPARENT } from "../tracing/traceparent.js";
import type { Delivery, DeliveryHandler, EventBroker, EventHeaders, PublishAck } from "./broker.js";
import type { ConsumerSpec } from "./topology.js";

/** OutgoingMessage is one outbox row on its way to the broker. */
export interface OutgoingMessage {
  readonly eventId: string;
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly headers: EventHeaders;
}

/**
 * tracePublish publishes a message in a PRODUCER span ("publish
 * <subject>"). Its parent is the `traceparent` the outbox stored with the
 * event, the request that caused it, so one trace runs from that request
 * through the broker; the message leaves with the producer span's
 * `traceparent`, the parent of its consumers' spans. (A child rather than
 * a link: OpenTelemetry's messaging conventions allow either, and only a
 * child puts publish and consume in the request's own trace.)
 */
export async function tracePublish(
  tracer: Tracer,
  broker: EventBroker,
  message: OutgoingMessage,
): Promise<PublishAck> {
  const parent = contextFromTraceparent(message.headers[TRACEPARENT]);
  const span = tracer.startSpan(
    `publish ${message.subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingAttributes(broker, message.subject, message.eventId),
        [attr.messagingOperationType]: "send",
        [attr.messagingOperationName]: "publish",
      },
    },
    parent,
  );
  const headers: Record<string, string> = { ...message.headers };
  propagation.inject(trace.setSpan(parent, span), headers);
  try {
    const ack = await broker.publish(message.subject, message.payload, {
      msgId: message.eventId,
      headers,
    });
    endSpan(span);
    return ack;
  } catch (err) {
    endSpan(span, errorTypeOf(err));
    throw err;
  }
}

/**
 * traceDelivery runs a consumer's handler in a CONSUMER span ("process
 * <subject>"), child of the message's `traceparent`, so the handler's
 * transaction and queries join the trace of the request that caused the
 * event. Each delivery, redeliveries included, is its own span.
 */
export function traceDelivery(
  tracer: Tracer,
  broker: EventBroker,
  spec: ConsumerSpec,
  handler: DeliveryHandler,
): DeliveryHandler {
  return async (delivery) => {
    const { span, active } = startDeliverySpan(tracer, broker, spec, delivery);
    try {
      await context.with(active, handler, undefined, delivery);
      endSpan(span);
    } catch (err) {
      endSpan(span, errorTypeOf(err));
      throw err;
    }
  };
}

/** DeliverySpan is a delivery's CONSUMER span and the context to run its handling in. */
export interface DeliverySpan {
  readonly span: Span;
  readonly active: Context;
}

/**
 * startDeliverySpan starts the CONSUMER span of one delivery (see
 * traceDelivery). Within a batch, `batchSize` is recorded as
 * `messaging.batch.message_count`, and the span lasts as long as the
 * batch's transaction (the delivery was settled when it committed); the
 * handler's queries are under it, while the batch's shared marker insert
 * and commit belong to no single delivery and are not traced.
 */
export function startDeliverySpan(
  tracer: Tracer,
  broker: EventBroker,
  spec: ConsumerSpec,
  delivery: Delivery,
  batchSize?: number,
): DeliverySpan {
  const parent = contextFromTraceparent(delivery.headers[TRACEPARENT]);
  const span = tracer.startSpan(
    `process ${delivery.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingAttributes(broker, delivery.subject, delivery.msgId),
        [attr.messagingOperationType]: "process",
        [attr.messagingOperationName]: "process",
        [attr.messagingConsumerGroupName]: spec.durable,
        ...(batchSize === undefined ? {} : { [attr.messagingBatchMessageCount]: batchSize }),
      },
    },
    parent,
  );
  return { span, active: trace.setSpan(parent, span) };
}

// `messaging.system` is "nats" on JetStream; the in-process broker that
// stands in for it in development says so rather than pretend.
function messagingAttributes(broker: EventBroker, subject: string, id: string | undefined) {
  return {
    [attr.messagingSystem]: broker.kind,
    [attr.messagingDestinationName]: subject,
    ...(id === undefined ? {} : { [attr.messagingMessageId]: id }),
  };
}
