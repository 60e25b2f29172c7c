import { ConsumerEvents, type ConsumerMessages, type JetStreamClient, type JsMsg } from "nats";
import type { Logger } from "../log/index.js";
import type { ConsumerHandle, Delivery, DeliveryHandler } from "./broker.js";
import { isBrokerHeader } from "./dead-letter-headers.js";
import type { NatsDeadLetters } from "./nats-dead-letters.js";
import { type DeliveryControl, processDelivery } from "./process-delivery.js";
import type { ConsumerSpec } from "./topology.js";

const msgIdHeader = "Nats-Msg-Id";
const reportedStatuses = new Set<string>(Object.values(ConsumerEvents));

/**
 * startNatsConsumer pulls the durable consumer's messages in batches of
 * `spec.batchSize` and handles them one at a time, in stream order, settling
 * each through {@link processDelivery}. nats.js refills the batch and
 * follows reconnects on its own.
 */
export function startNatsConsumer(
  js: JetStreamClient,
  spec: ConsumerSpec,
  handler: DeliveryHandler,
  deadLetters: NatsDeadLetters,
  logger: Logger,
): ConsumerHandle {
  let stopping = false;
  let messages: ConsumerMessages | undefined;
  const run = async () => {
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
      if (stopping) {
        message.nak();
        continue;
      }
      const delivery = toDelivery(message, spec.durable);
      const control = controlFor(message, delivery, deadLetters);
      await processDelivery(spec, delivery, handler, control, logger);
    }
  };
  const done = run().catch((err: unknown) => {
    logger.error({ err, consumer: spec.durable }, "consumer stopped on an unexpected error");
  });
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
      await deadLetters.write(delivery, reason, () => message.working());
      // Terminated, not acked: the server records that it gave up on it.
      message.term();
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
