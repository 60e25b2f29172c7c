import type { DeadLetter, Delivery, EventHeaders } from "./broker.js";

/**
 * deadLetterHeader names the headers a dead letter carries next to the
 * original message's own: they say where it came from and why it stopped.
 * Both brokers use them, so a dead letter reads the same everywhere.
 */
export const deadLetterHeader = Object.freeze({
  reason: "Pp-Dlq-Reason",
  subject: "Pp-Dlq-Subject",
  stream: "Pp-Dlq-Stream",
  sequence: "Pp-Dlq-Sequence",
  consumer: "Pp-Dlq-Consumer",
  deliveries: "Pp-Dlq-Deliveries",
  msgId: "Pp-Dlq-Msg-Id",
});

/**
 * replayForHeader addresses a replayed message to one consumer. Replays go
 * to the original subject, which every consumer of it reads; the others
 * acknowledge it unseen instead of handling the event a second time.
 */
export const replayForHeader = "Pp-Replay-For";

const dlqPrefix = "Pp-Dlq-";
// Room for a useful message without letting one error bloat every header.
const maxReasonLength = 1_000;

/** isBrokerHeader tells the headers a broker sets itself (`Nats-Msg-Id`, …). */
export function isBrokerHeader(name: string): boolean {
  return name.startsWith("Nats-");
}

/**
 * reasonOf turns a handler's error into a dead letter's reason: its name and
 * message on one line, never the stack, which could leak internals into a
 * stream operators browse.
 */
export function reasonOf(err: unknown): string {
  const text =
    err instanceof Error
      ? err.name === "Error"
        ? err.message
        : `${err.name}: ${err.message}`
      : String(err);
  // Header values may not contain CR or LF (NATS headers follow HTTP/1 rules).
  const line = text.replace(/[\r\n]+/g, " ").trim() || "handler failed";
  return line.length > maxReasonLength ? `${line.slice(0, maxReasonLength - 1)}…` : line;
}

/** deadLetterHeaders are the original message's headers plus where it came from and why. */
export function deadLetterHeaders(delivery: Delivery, reason: string): Record<string, string> {
  const headers: Record<string, string> = { ...delivery.headers };
  delete headers[replayForHeader];
  headers[deadLetterHeader.reason] = reason;
  headers[deadLetterHeader.subject] = delivery.subject;
  headers[deadLetterHeader.stream] = delivery.stream;
  headers[deadLetterHeader.sequence] = String(delivery.streamSequence);
  headers[deadLetterHeader.consumer] = delivery.consumer;
  headers[deadLetterHeader.deliveries] = String(delivery.deliveryCount);
  if (delivery.msgId !== undefined) headers[deadLetterHeader.msgId] = delivery.msgId;
  return headers;
}

/** StoredDeadLetter is a dead-letter message as its stream returns it. */
export interface StoredDeadLetter {
  readonly id: string;
  readonly data: Uint8Array;
  readonly headers: EventHeaders;
  readonly time: Date;
}

/** readDeadLetter rebuilds a {@link DeadLetter} from its stored message. */
export function readDeadLetter(stored: StoredDeadLetter): DeadLetter {
  const h = stored.headers;
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith(dlqPrefix) && !isBrokerHeader(name)) original[name] = value;
  }
  return {
    id: stored.id,
    consumer: h[deadLetterHeader.consumer] ?? "",
    stream: h[deadLetterHeader.stream] ?? "",
    streamSequence: Number(h[deadLetterHeader.sequence] ?? 0),
    subject: h[deadLetterHeader.subject] ?? "",
    deliveryCount: Number(h[deadLetterHeader.deliveries] ?? 0),
    reason: h[deadLetterHeader.reason] ?? "",
    time: stored.time,
    msgId: h[deadLetterHeader.msgId],
    data: stored.data,
    headers: original,
  };
}

/**
 * deadLetterMsgId dedupes dead-lettering itself: if a consumer crashes
 * between storing the dead letter and terminating the message, the retry
 * stores nothing new.
 */
export function deadLetterMsgId(delivery: Delivery): string {
  return `dlq:${delivery.stream}:${delivery.streamSequence}:${delivery.consumer}`;
}

/**
 * replayMsgId is stable per dead letter, so replaying it twice (say, the
 * command is retried after a timeout) publishes one message. It differs from
 * the original id, which the stream would drop as a duplicate.
 */
export function replayMsgId(deadLetter: DeadLetter, deadLetterStream: string): string {
  return `replay:${deadLetterStream}:${deadLetter.id}:${deadLetter.msgId ?? ""}`;
}

/** replayHeaders are the original headers, addressed to the consumer that gave up. */
export function replayHeaders(deadLetter: DeadLetter): Record<string, string> {
  return { ...deadLetter.headers, [replayForHeader]: deadLetter.consumer };
}
