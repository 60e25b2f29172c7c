import type { ConsumerSpec, Topology } from "./topology.js";

/** EventHeaders are a message's headers; names are case-sensitive. */
export type EventHeaders = Readonly<Record<string, string>>;

/** PublishOptions go with every publish. */
export interface PublishOptions {
  /**
   * Dedupe key (`Nats-Msg-Id`): a second publish with the same id within
   * the stream's duplicate window is dropped. Use the event id, so a relay
   * that publishes again after a crash does not create a duplicate.
   */
  readonly msgId: string;
  readonly headers?: EventHeaders | undefined;
}

/** PublishAck is where a published message was stored. */
export interface PublishAck {
  readonly stream: string;
  readonly sequence: number;
  /** The msgId was seen within the window: nothing new was stored. */
  readonly duplicate: boolean;
}

/** Delivery is one delivery of a stored message to a consumer. */
export interface Delivery {
  readonly subject: string;
  readonly data: Uint8Array;
  /** The publisher's headers; broker-internal ones (`Nats-*`) are left out. */
  readonly headers: EventHeaders;
  readonly msgId: string | undefined;
  readonly stream: string;
  readonly streamSequence: number;
  readonly consumer: string;
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  readonly deliveryCount: number;
}

/**
 * DeliveryHandler processes one delivery. Resolving acknowledges it;
 * throwing schedules a redelivery, or dead-letters the message when it has
 * had its last attempt. It must be idempotent: delivery is at least once.
 */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/**
 * BatchHandler processes, all or nothing, deliveries the broker already
 * holds, in stream order: resolving acknowledges every one. Throwing makes
 * the broker hand each of them to the {@link DeliveryHandler} alone (but
 * the one a {@link BatchItemFailed} names, which has failed already), so one
 * bad message fails (and is redelivered or dead-lettered) on its own while
 * the rest go through. Batches only ever contain first-time or ordinary
 * redeliveries: replays meant for another consumer and deliveries past
 * `maxDeliver` are settled without any handler.
 */
export type BatchHandler = (deliveries: readonly Delivery[]) => Promise<void>;

/**
 * BatchItemFailed is what a BatchHandler throws when one delivery's own
 * handling failed, at `index` in the batch: that delivery is settled as a
 * failed attempt with `cause` without running again, so a poison message
 * runs once per delivery, batched or not; the others are handled alone.
 * Any other error (a failed commit, say) fails none of them.
 */
export class BatchItemFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`delivery ${index} of the batch failed`, { cause });
  }
}

/**
 * DeadLetterObserver hears how each dead-letter write went, e.g. to count
 * them. `stored` is heard once per message, after the write succeeded (a
 * message the dead-letter stream already held is not heard again);
 * `failed` after a write failed, when the message stays in its stream and
 * is delivered again for another try.
 */
export interface DeadLetterObserver {
  stored(delivery: Delivery): void;
  failed(delivery: Delivery): void;
}

/** ConsumerHandle controls a running consumer. */
export interface ConsumerHandle {
  /**
   * Stops pulling, lets the handler finish the delivery in progress, and
   * resolves. Messages fetched ahead but not handled are released for
   * redelivery (which counts as a delivery).
   */
  stop(): Promise<void>;
}

/** ConsumerHealth says whether a running consumer is consuming. */
export interface ConsumerHealth {
  readonly stream: string;
  readonly consumer: string;
  /** When (epoch ms) it last stopped consuming; undefined while it consumes. */
  readonly downSinceMs: number | undefined;
  /** Why it last stopped, if it ever did. */
  readonly lastError: string | undefined;
}

/** DeadLetter is a message a consumer gave up on, with why. */
export interface DeadLetter {
  /** Id in the dead-letter stream (its sequence there). */
  readonly id: string;
  readonly consumer: string;
  /** Stream and sequence the message came from. */
  readonly stream: string;
  readonly streamSequence: number;
  /** The original subject, where a replay publishes it again. */
  readonly subject: string;
  readonly deliveryCount: number;
  /** The handler's last error message (never a stack trace). */
  readonly reason: string;
  /** When it was dead-lettered. */
  readonly time: Date;
  readonly msgId: string | undefined;
  readonly data: Uint8Array;
  /** The original message's headers. */
  readonly headers: EventHeaders;
}

/** DeadLetterQuery narrows {@link DeadLetterStore.list}. */
export interface DeadLetterQuery {
  /** Only this consumer's dead letters. */
  readonly consumer?: string | undefined;
  /** At most this many, oldest first; default 100. */
  readonly limit?: number | undefined;
}

/** DeadLetterStore reads and replays the dead-letter stream. */
export interface DeadLetterStore {
  list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Publishes the message again on its original subject, addressed to the
   * consumer that gave up on it only (other consumers of the subject skip
   * it), then deletes the dead letter. Replaying one id twice within the
   * stream's duplicate window publishes it once. Throws NOT_FOUND for an
   * unknown id.
   */
  replay(id: string): Promise<void>;
  /** Deletes a dead letter; false if there was none with that id. */
  delete(id: string): Promise<boolean>;
}

/**
 * EventBroker is the platform's view of a message broker: JetStream in
 * production ({@link createNatsBroker}), an in-process broker with the same
 * semantics when `NATS_URL` is unset ({@link createMemoryBroker}).
 */
export interface EventBroker {
  readonly kind: "nats" | "memory";
  /** Creates or updates the streams, consumers and dead-letter stream; idempotent. */
  ensureTopology(topology: Topology): Promise<void>;
  /** Stores a message in the stream capturing `subject`; rejects if none does. */
  publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PublishAck>;
  /**
   * Starts handling the consumer's messages in stream order: one at a time
   * through `handler`, or, given `batch`, whatever has arrived (up to
   * `spec.batchSize`) at once through `batch`, falling back to `handler` for
   * each when a batch fails. `observer` hears every dead-letter write. The
   * consumer must have been declared by `ensureTopology` on this broker.
   */
  consume(
    spec: ConsumerSpec,
    handler: DeliveryHandler,
    batch?: BatchHandler,
    observer?: DeadLetterObserver,
  ): ConsumerHandle;
  readonly deadLetters: DeadLetterStore;
  /**
   * The running consumers' health, for the status page. Only JetStream
   * consumers can stop (their consumer or stream deleted, the server
   * refusing); they restart by themselves, and this shows the ones that
   * have not yet.
   */
  consumerHealth?(): readonly ConsumerHealth[];
  /** Resolves when the broker answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Stops every consumer, flushes pending acks and disconnects; safe to call twice. */
  close(): Promise<void>;
}

/** DeadLetterSettings name the stream that keeps dead letters. */
export interface DeadLetterSettings {
  /** Stream name; default "DLQ". */
  readonly stream: string;
  /** Subject prefix: dead letters go to `<prefix>.<consumer>.<original subject>`; default "dlq". */
  readonly subjectPrefix: string;
}

/** defaultDeadLetters is where dead letters go unless a broker is told otherwise. */
export const defaultDeadLetters: DeadLetterSettings = Object.freeze({
  stream: "DLQ",
  subjectPrefix: "dlq",
});

/**
 * notDeclaredError is the error for consuming before `ensureTopology`
 * declared the consumer: both brokers refuse, so a missing declaration fails
 * at start-up on a laptop just as it would against NATS.
 */
export function notDeclaredError(spec: ConsumerSpec): Error {
  return new Error(
    `consumer ${spec.durable} on ${spec.stream} is not declared: pass it to ensureTopology first`,
  );
}
