import type { Logger } from "../log/index.js";
import type { BatchHandler, Delivery, DeliveryHandler } from "./broker.js";
import { type DeliveryControl, processDelivery, skipReason } from "./process-delivery.js";
import type { ConsumerSpec } from "./topology.js";

/** Taken is one delivery a broker handed out, with the control that settles it. */
export type Taken = readonly [Delivery, DeliveryControl];

/**
 * processBatch settles deliveries a broker took at once, in stream order.
 * Without a batch handler, or with a single delivery, each goes through
 * {@link processDelivery}. Otherwise the ones a handler must see go to
 * `batch` together and are acked together when it resolves; if it throws,
 * nothing of it was kept (the batch handler is all or nothing), and each is
 * handed to `handler` alone, so the delivery policy (backoff, dead letters)
 * applies per message exactly as it does without batching. The batch's
 * error is not counted as an attempt: a message is only ever failed by its
 * own handling.
 */
export async function processBatch(
  spec: ConsumerSpec,
  taken: readonly Taken[],
  handler: DeliveryHandler,
  batch: BatchHandler | undefined,
  logger: Logger,
): Promise<void> {
  const handled = batch
    ? taken.filter(([delivery]) => skipReason(spec, delivery) === undefined)
    : [];
  if (!batch || handled.length < 2) {
    for (const [delivery, control] of taken) {
      await processDelivery(spec, delivery, handler, control, logger);
    }
    return;
  }
  // Replays for other consumers and spent deliveries never reach a handler.
  for (const item of taken) {
    if (!handled.includes(item)) await processDelivery(spec, item[0], handler, item[1], logger);
  }
  try {
    await batch(handled.map(([delivery]) => delivery));
  } catch (err) {
    logger.debug(
      { consumer: spec.durable, size: handled.length, err },
      "batch failed, handling its deliveries one at a time",
    );
    for (const [delivery, control] of handled) {
      await processDelivery(spec, delivery, handler, control, logger);
    }
    return;
  }
  for (const [, control] of handled) control.ack();
}
