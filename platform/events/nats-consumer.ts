import { ConsumerEvents, type ConsumerMessages, type JetStreamClient, type JsMsg } from "nats";
import type { Logger } from "../log/index.js";
import type {
  BatchHandler,
  ConsumerHandle,
  DeadLetterObserver,
  Delivery,
  DeliveryHandler,
} from "./broker.js";
import { isBrokerHeader } from "./dead-letter-headers.js";
import { createInbox } from "./inbox.js";
import type { NatsDeadLetters } from "./nats-dead-letters.js";
import { processBatch, type Taken } from "./process-batch.js";
import type { DeliveryControl } from "./process-delivery.js";
import type { ConsumerSpec } from "./topology.js";

const msgIdHeader = "Nats-Msg-Id";
const reportedStatuses = new Set<string>(Object.values(ConsumerEvents));

/**
 * startNatsConsumer pulls the durable consumer's messages in batches of
 * `spec.batchSize` and handles them in stream order, settling each through
 * {@link processBatch}: one at a time, or, with a batch handler, whatever
 * has arrived since the last turn at once. nats.js refills the pull and
 * follows reconnects on its own.
 */
export function startNatsConsumer(
  js: JetStreamClient,
  spec: ConsumerSpec,
  handler: DeliveryHandler,
  batch: BatchHandler | undefined,
  deadLetters: NatsDeadLetters,
  logger: Logger,
  observer?: DeadLetterObserver,
): ConsumerHandle {
  let stopping = false;
  let messages: ConsumerMessages | undefined;
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
  const read = async () => {
    const consumer = await js.consumers.get(spec.stream, spec.durable);
    messages = await consumer.consume({ max_messages: spec.batchSize });
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
  };
  const working = work();
  const done = read()
    .catch((err: unknown) => {
      logger.error({ err, consumer: spec.durable }, "consumer stopped on an unexpected error");
    })
    .finally(() => inbox.end())
    .then(() => working);
  return {
    async stop() {
      stopping = true;
      await messages?.close();
      await done;
    },
  };
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
