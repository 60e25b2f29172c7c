import type { Logger } from "../log/index.js";
import {
  type BatchHandler,
  BatchItemFailed,
  type DeadLetterObserver,
  type Delivery,
  type DeliveryHandler,
} from "./broker.js";
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
 * applies per message exactly as it does without batching. A batch error
 * that names its delivery (BatchItemFailed) counts as that delivery's
 * attempt; any other is counted against none: a message is only ever
 * failed by its own handling. `observer` hears every dead-letter write.
 */
export async function processBatch(
  spec: ConsumerSpec,
  taken: readonly Taken[],
  handler: DeliveryHandler,
  batch: BatchHandler | undefined,
  logger: Logger,
  observer?: DeadLetterObserver,
): Promise<void> {
  const each = (items: readonly Taken[]) => processEach(spec, items, handler, logger, observer);
  if (!batch) return each(taken);
  // Replays for other consumers and spent deliveries never reach a handler.
  const handled: Taken[] = [];
  const skipped: Taken[] = [];
  for (const item of taken) (skipReason(spec, item[0]) ? skipped : handled).push(item);
  if (handled.length < 2) return each(taken);
  await each(skipped);
  try {
    await batch(handled.map(([delivery]) => delivery));
  } catch (err) {
    logger.debug(
      { consumer: spec.durable, size: handled.length, err },
      "batch failed, handling its deliveries one at a time",
    );
    // The delivery whose own handling failed has had its attempt: it is
    // settled with that error, not run again.
    const failed = err instanceof BatchItemFailed ? err : undefined;
    const culprit = failed && handled[failed.index];
    for (const item of handled) {
      const [delivery, control] = item;
      const run = item === culprit ? () => Promise.reject(failed!.cause) : handler;
      await processDelivery(spec, delivery, run, control, logger, observer);
    }
    return;
  }
  for (const [, control] of handled) control.ack();
}

// The one-at-a-time path: each delivery settled by the delivery policy.
async function processEach(
  spec: ConsumerSpec,
  taken: readonly Taken[],
  handler: DeliveryHandler,
  logger: Logger,
  observer: DeadLetterObserver | undefined,
): Promise<void> {
  for (const [delivery, control] of taken) {
    await processDelivery(spec, delivery, handler, control, logger, observer);
  }
}
