import type { Logger } from "../log/index.js";
import { traceContextFrom } from "../rpc/trace-context.js";
import type { Delivery, DeliveryHandler } from "./broker.js";
import { reasonOf, replayForHeader } from "./dead-letter-headers.js";
import { eventHeader } from "./outbox.js";
import { type ConsumerSpec, redeliveryDelayMs } from "./topology.js";

/** DeliveryControl settles one delivery with the broker that made it. */
export interface DeliveryControl {
  /** Done: never deliver it to this consumer again. */
  ack(): void;
  /** Failed: deliver it again after `delayMs`. */
  nak(delayMs: number): void;
  /** Store it in the dead-letter stream with `reason`, then stop delivering it. */
  deadLetter(reason: string): Promise<void>;
}

/**
 * processDelivery is the one place the delivery policy lives, so both
 * brokers settle messages alike: a replay addressed to another consumer is
 * skipped; the handler runs; success acks; failure naks with the consumer's
 * backoff until the `maxDeliver`-th attempt, which dead-letters instead.
 *
 * A delivery past `maxDeliver` means the last attempt was never settled (the
 * process died, the handler outlived the ack wait, or dead-lettering
 * failed). The broker allows that one extra delivery precisely so such a
 * message is dead-lettered here, without running the handler again, rather
 * than dropped by the server.
 */
export async function processDelivery(
  spec: ConsumerSpec,
  delivery: Delivery,
  handler: DeliveryHandler,
  control: DeliveryControl,
  logger: Logger,
): Promise<void> {
  const skip = skipReason(spec, delivery);
  if (skip === "elsewhere") return control.ack();
  if (skip === "spent") {
    const reason = `not acknowledged after ${spec.maxDeliver} deliveries (ack wait expired)`;
    return deadLetter(spec, delivery, control, reason, logger);
  }
  try {
    await handler(delivery);
  } catch (err) {
    return failed(spec, delivery, control, err, logger);
  }
  control.ack();
}

/**
 * skipReason says why a delivery is settled without running the handler:
 * `elsewhere`, a replay addressed to another consumer (acked), or `spent`,
 * past `maxDeliver` (dead-lettered); undefined when the handler must run.
 */
export function skipReason(
  spec: ConsumerSpec,
  delivery: Delivery,
): "elsewhere" | "spent" | undefined {
  const addressee = delivery.headers[replayForHeader];
  if (addressee !== undefined && addressee !== spec.durable) return "elsewhere";
  if (delivery.deliveryCount > spec.maxDeliver) return "spent";
  return undefined;
}

async function failed(
  spec: ConsumerSpec,
  delivery: Delivery,
  control: DeliveryControl,
  err: unknown,
  logger: Logger,
): Promise<void> {
  const reason = reasonOf(err);
  if (delivery.deliveryCount >= spec.maxDeliver) {
    return deadLetter(spec, delivery, control, reason, logger);
  }
  const delayMs = redeliveryDelayMs(spec, delivery.deliveryCount);
  logger.warn({ ...where(delivery), reason, retryInMs: delayMs }, "event handler failed");
  control.nak(delayMs);
}

async function deadLetter(
  spec: ConsumerSpec,
  delivery: Delivery,
  control: DeliveryControl,
  reason: string,
  logger: Logger,
): Promise<void> {
  try {
    await control.deadLetter(reason);
    logger.error({ ...where(delivery), reason }, "event dead-lettered");
  } catch (err) {
    // The message stays in its stream; a nak brings it back for another try
    // while the broker still allows deliveries.
    logger.error({ ...where(delivery), err }, "dead-lettering failed");
    control.nak(redeliveryDelayMs(spec, delivery.deliveryCount));
  }
}

// What names the delivery in a line: the broker's coordinates, and the
// request and trace the event was written in (its headers), so a failed
// consumer's lines join the request that caused them.
function where(delivery: Delivery) {
  return {
    consumer: delivery.consumer,
    subject: delivery.subject,
    streamSequence: delivery.streamSequence,
    deliveryCount: delivery.deliveryCount,
    msgId: delivery.msgId,
    request_id: delivery.headers[eventHeader.requestId],
    trace_id: traceContextFrom(delivery.headers[eventHeader.traceParent])?.traceId,
  };
}
