import { ConsumerEvents, type ConsumerMessages, type JetStreamClient, type JsMsg } from "nats";
import { sleep } from "../async/sleep.js";
import type { Logger } from "../log/index.js";
import type {
  BatchHandler,
  ConsumerHandle,
  ConsumerHealth,
  DeadLetterObserver,
  Delivery,
  DeliveryHandler,
} from "./broker.js";
import { isBrokerHeader } from "./dead-letter-headers.js";
import { createInbox } from "./inbox.js";
import type { NatsDeadLetters } from "./nats-dead-letters.js";
import { isJetStreamError, jetStreamErrorCode } from "./nats-error.js";
import { processBatch, type Taken } from "./process-batch.js";
import type { DeliveryControl } from "./process-delivery.js";
import type { ConsumerSpec } from "./topology.js";

const msgIdHeader = "Nats-Msg-Id";
const reportedStatuses = new Set<string>(Object.values(ConsumerEvents));

/** NatsConsumerOptions are what {@link startNatsConsumer} runs. */
export interface NatsConsumerOptions {
  readonly js: JetStreamClient;
  readonly spec: ConsumerSpec;
  readonly handler: DeliveryHandler;
  readonly batch: BatchHandler | undefined;
  readonly deadLetters: NatsDeadLetters;
  readonly logger: Logger;
  readonly observer?: DeadLetterObserver | undefined;
  /** Creates the consumer, and its stream, again after they were deleted. */
  readonly recreate: () => Promise<void>;
}

/** NatsConsumerHandle is a running consumer that can tell whether it consumes. */
export interface NatsConsumerHandle extends ConsumerHandle {
  health(): ConsumerHealth;
}

/**
 * startNatsConsumer pulls the durable consumer's messages in batches of
 * `spec.batchSize` and handles them in stream order, settling each through
 * {@link processBatch}: one at a time, or, with a batch handler, whatever
 * has arrived since the last turn at once. nats.js refills the pull and
 * follows reconnects on its own; anything else that ends the pull (the
 * consumer or stream deleted, a failed lookup) restarts it after a backoff,
 * recreating what was deleted, so a consumer never stops for good.
 */
export function startNatsConsumer(options: NatsConsumerOptions): NatsConsumerHandle {
  const { js, spec, handler, batch, deadLetters, logger, observer } = options;
  let stopping = false;
  let messages: ConsumerMessages | undefined;
  const wake = new AbortController();
  const health: { downSinceMs: number | undefined; lastError: string | undefined } = {
    downSinceMs: Date.now(),
    lastError: undefined,
  };
  const inbox = createInbox<JsMsg>(batch ? spec.batchSize : 1);
  const take = (message: JsMsg): Taken => {
    const delivery = toDelivery(message, spec.durable);
    return [delivery, controlFor(message, delivery, deadLetters)];
  };
  // The worker handles what the reader below has queued, turn by turn.
  const work = async () => {
    let lastTurnMs = 0;
    for (let next = await inbox.takeAll(); next.length > 0; next = await inbox.takeAll()) {
      if (stopping) {
        for (const message of next) message.nak();
        continue;
      }
      // These arrived during the last turn, their ack wait running: after a
      // long one, restart it, so each turn has the whole ack wait to itself
      // and a slow batch does not expire the next one.
      if (lastTurnMs > spec.ackWaitMs / 4) for (const message of next) message.working();
      const started = performance.now();
      try {
        await processBatch(spec, next.map(take), handler, batch, logger, observer);
        lastTurnMs = performance.now() - started;
      } catch (err) {
        // Unsettled, they come back after the ack wait; the reader must not
        // be left waiting for room that never frees.
        logger.error({ err, consumer: spec.durable }, "consumer turn failed");
      }
    }
  };
  // One pull, from lookup to the end of its messages; resolves only on stop.
  const readOnce = async (started: () => void) => {
    const consumer = await js.consumers.get(spec.stream, spec.durable);
    // Without it, nats.js waits forever for a deleted consumer to come back.
    messages = await consumer.consume({
      max_messages: spec.batchSize,
      abort_on_missing_resource: true,
    });
    started();
    // Status is informational; its iterator ends with the messages.
    reportStatus(messages, spec, logger).catch(() => {});
    // After close() the iterator still yields what was buffered, then ends:
    // nats.js queues its stop behind those messages, so the loop must run
    // to the end, or close() never resolves. Buffered messages are released
    // for redelivery at once.
    if (stopping) void messages.close();
    for await (const message of messages) {
      if (stopping) message.nak();
      else await inbox.put(message);
    }
    if (!stopping) throw new Error("consumer ended unexpectedly");
  };
  const read = async () => {
    let failures = 0;
    while (!stopping) {
      try {
        await readOnce(() => {
          failures = 0;
          health.downSinceMs = undefined;
        });
        return;
      } catch (err) {
        if (stopping) return;
        health.downSinceMs ??= Date.now();
        health.lastError = errorText(err);
        const gone = isMissingResource(err);
        const retryMs = restartDelayMs(failures++);
        logger.error(
          { err, consumer: spec.durable, gone, retryMs },
          "consumer stopped; restarting",
        );
        await sleep(retryMs, wake.signal);
        if (gone && !stopping)
          await options.recreate().catch((ensureErr: unknown) => {
            logger.error({ err: ensureErr, consumer: spec.durable }, "consumer not recreated");
          });
      }
    }
  };
  const working = work();
  const done = read()
    .finally(() => inbox.end())
    .then(() => working);
  return {
    async stop() {
      stopping = true;
      wake.abort();
      await messages?.close();
      await done;
    },
    health: () => ({
      stream: spec.stream,
      consumer: spec.durable,
      downSinceMs: health.downSinceMs,
      lastError: health.lastError,
    }),
  };
}

/** restartDelayMs is the wait before restart `failures + 1`: 1 s doubling, at most 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(1_000 * 2 ** Math.min(failures, 5), 30_000);
}

/** isMissingResource tells whether `err` says the consumer or its stream is gone. */
export function isMissingResource(err: unknown): boolean {
  if (
    isJetStreamError(err, jetStreamErrorCode.consumerNotFound) ||
    isJetStreamError(err, jetStreamErrorCode.streamNotFound)
  ) {
    return true;
  }
  // A pull pending when the consumer is deleted ends with this status.
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return code === "409" && message === "consumer deleted";
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** toDelivery reads a JetStream message as a {@link Delivery}. */
export function toDelivery(message: JsMsg, consumer: string): Delivery {
  const headers: Record<string, string> = {};
  let msgId: string | undefined;
  if (message.headers) {
    for (const [name, values] of message.headers) {
      if (name === msgIdHeader) msgId = values[0];
      else if (!isBrokerHeader(name)) headers[name] = values[0] ?? "";
    }
  }
  const { info } = message;
  return {
    subject: message.subject,
    data: message.data,
    headers,
    msgId,
    stream: info.stream,
    streamSequence: info.streamSequence,
    consumer,
    deliveryCount: info.deliveryCount,
  };
}

function controlFor(message: JsMsg, delivery: Delivery, deadLetters: NatsDeadLetters) {
  return {
    ack: () => message.ack(),
    nak: (delayMs) => message.nak(delayMs > 0 ? delayMs : undefined),
    async deadLetter(reason) {
      const stored = await deadLetters.write(delivery, reason, () => message.working());
      // Terminated, not acked: the server records that it gave up on it.
      message.term();
      return stored;
    },
  } satisfies DeliveryControl;
}

// A consumer or stream deleted under a running process, or a server gone
// quiet, shows up only here; the iterator itself keeps waiting.
async function reportStatus(messages: ConsumerMessages, spec: ConsumerSpec, logger: Logger) {
  for await (const status of await messages.status()) {
    if (!reportedStatuses.has(status.type)) continue;
    logger.warn(
      { consumer: spec.durable, status: status.type, data: status.data },
      "consumer status",
    );
  }
}
