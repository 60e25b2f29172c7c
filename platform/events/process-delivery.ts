import type { Logger } from "../log/index.js";
import { traceContextFrom } from "../rpc/trace-context.js";
import type { DeadLetterObserver, Delivery, DeliveryHandler } from "./broker.js";
import { reasonOf, replayForHeader } from "./dead-letter-headers.js";
import { eventHeader } from "./outbox.js";
import { type ConsumerSpec, redeliveryDelayMs } from "./topology.js";

/** DeliveryControl settles one delivery with the broker that made it. */
export interface DeliveryControl {
  /** Done: never deliver it to this consumer again. */
  ack(): void;
  /** Failed: deliver it again after `delayMs`. */
  nak(delayMs: number): void;
  /**
   * Store it in the dead-letter stream with `reason`, then stop delivering
   * it. Resolves to false when the stream held it already: an earlier write
   * succeeded but the delivery was never settled.
   */
  deadLetter(reason: string): Promise<boolean>;
}

/**
 * processDelivery is the one place the delivery policy lives, so both
 * brokers settle messages alike: a replay addressed to another consumer is
 * skipped; the handler runs; success acks; failure naks with the consumer's
 * backoff until the `maxDeliver`-th attempt, which dead-letters instead.
 *
 * A delivery past `maxDeliver` means the last attempt was never settled (the
 * process died, the handler outlived the ack wait, or dead-lettering
 * failed). It is dead-lettered here without running the handler again. The
 * brokers set no delivery limit of their own, so this is the only one: a
 * message whose dead-lettering keeps failing keeps coming back, with
 * backoff, until it is stored, rather than being dropped by the server.
 *
 * `observer` hears every dead-letter write, on every path.
 */
export async function processDelivery(
  spec: ConsumerSpec,
  delivery: Delivery,
  handler: DeliveryHandler,
  control: DeliveryControl,
  logger: Logger,
  observer?: DeadLetterObserver,
): Promise<void> {
  const skip = skipReason(spec, delivery);
  if (skip === "elsewhere") return control.ack();
  const settling = { spec, delivery, control, logger, observer };
  if (skip === "spent") {
    const reason = `not acknowledged after ${spec.maxDeliver} deliveries (ack wait expired)`;
    return deadLetter(settling, reason);
  }
  try {
    await handler(delivery);
  } catch (err) {
    return failed(settling, err);
  }
  control.ack();
}

// What settling one delivery needs.
interface Settling {
  readonly spec: ConsumerSpec;
  readonly delivery: Delivery;
  readonly control: DeliveryControl;
  readonly logger: Logger;
  readonly observer: DeadLetterObserver | undefined;
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

async function failed(settling: Settling, err: unknown): Promise<void> {
  const { spec, delivery, control, logger } = settling;
  const reason = reasonOf(err);
  if (delivery.deliveryCount >= spec.maxDeliver) return deadLetter(settling, reason);
  const delayMs = redeliveryDelayMs(spec, delivery.deliveryCount);
  logger.warn({ ...where(delivery), reason, retryInMs: delayMs }, "event handler failed");
  control.nak(delayMs);
}

async function deadLetter(settling: Settling, reason: string): Promise<void> {
  const { spec, delivery, control, logger, observer } = settling;
  let stored: boolean;
  try {
    stored = await control.deadLetter(reason);
  } catch (err) {
    // The message stays in its stream; the nak brings it back (spent, so
    // straight here again) until a write succeeds.
    logger.error({ ...where(delivery), err }, "dead-lettering failed");
    observer?.failed(delivery);
    control.nak(redeliveryDelayMs(spec, delivery.deliveryCount));
    return;
  }
  logger.error({ ...where(delivery), reason }, "event dead-lettered");
  // Heard once the letter exists, and once per message.
  if (stored) observer?.stored(delivery);
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
