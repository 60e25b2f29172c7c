/**
 * StreamSpec declares a stream: a named, persistent log capturing subjects.
 * Each service owns one stream of its events ({@link eventStream}).
 */
export interface StreamSpec {
  /** Stream name, e.g. "EVENTS_ORDERS". */
  readonly name: string;
  /** Subjects captured, with NATS wildcards, e.g. `orders.>`. */
  readonly subjects: readonly string[];
  /** Publishes with an already seen message id within this window are dropped. */
  readonly duplicateWindowMs: number;
  /** Messages older than this are discarded; 0 keeps them until removed. */
  readonly maxAgeMs: number;
  /**
   * The service that publishes into the stream and alone may change its
   * configuration; others only create it when missing. Undefined for a
   * stream every declarer shares and declares alike (the dead letters).
   */
  readonly owner?: string | undefined;
}

/** StreamInit is what {@link defineStream} needs; the rest has defaults. */
export interface StreamInit {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly duplicateWindowMs?: number;
  readonly maxAgeMs?: number;
  readonly owner?: string | undefined;
}

/**
 * defaultEventMaxAgeMs is how long an event stream keeps a message: 7 days,
 * enough for a consumer down over a long weekend to catch up. Each
 * consumer's processed-events rows must be kept at least as long, or a
 * redelivery after they are pruned is handled twice (docs/events.md).
 */
export const defaultEventMaxAgeMs = 7 * 24 * 60 * 60 * 1000;

/**
 * ConsumerSpec declares a durable consumer: its position in a stream
 * survives restarts, and each message it delivers must be acknowledged.
 *
 * Delivery guarantee: at least once. A failed delivery is redelivered after
 * `backoffMs[attempt - 1]` (the last entry repeats); one left unacknowledged
 * is redelivered after `ackWaitMs` plus that same delay. After `maxDeliver`
 * failed deliveries the message moves to the dead-letter stream with the
 * reason, and the consumer goes on with the next one.
 */
export interface ConsumerSpec {
  /** Durable name, unique within the stream, e.g. "billing-order-created". */
  readonly durable: string;
  /** Name of the stream read. */
  readonly stream: string;
  /** Subjects delivered, e.g. `orders.order.created.v1`. */
  readonly filterSubject: string;
  /** How long a delivery may stay unacknowledged before it counts as lost. */
  readonly ackWaitMs: number;
  /** Deliveries of one message before it is dead-lettered, at least 1. */
  readonly maxDeliver: number;
  /** Delay before each redelivery, by attempt; empty redelivers at once. */
  readonly backoffMs: readonly number[];
  /**
   * Messages fetched at a time; with a batch handler (subscribe), also the
   * most handled in one transaction. The ack wait of a batch's messages
   * is restarted when the batch starts if the one before was long, so
   * `ackWaitMs` must cover one batch's handling.
   */
  readonly batchSize: number;
}

/** ConsumerInit is what {@link defineConsumer} needs; the rest has defaults. */
export interface ConsumerInit {
  readonly durable: string;
  readonly stream: string;
  readonly filterSubject: string;
  readonly ackWaitMs?: number;
  readonly maxDeliver?: number;
  readonly backoffMs?: readonly number[];
  readonly batchSize?: number;
}

/** Topology is every stream and consumer a process relies on. */
export interface Topology {
  readonly streams: readonly StreamSpec[];
  readonly consumers: readonly ConsumerSpec[];
}

// NATS stream and durable names may not contain `.`, `*`, `>` or whitespace
// (https://docs.nats.io/running-a-nats-service/nats_admin/jetstream_admin/naming).
const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
const tokenPattern = /^([A-Za-z0-9_-]+|\*)$/;
const servicePattern = /^[a-z][a-z0-9_]*$/;

/** defineStream validates a stream declaration and fills in the defaults. */
export function defineStream(init: StreamInit): StreamSpec {
  checkName("stream", init.name);
  if (init.subjects.length === 0) throw new Error(`stream ${init.name}: no subjects`);
  for (const subject of init.subjects) checkSubject(subject, true);
  return Object.freeze({
    name: init.name,
    subjects: Object.freeze([...init.subjects]),
    // JetStream's own default: long enough to cover a relay retrying after a
    // crash, short enough that the dedupe index stays small.
    duplicateWindowMs: init.duplicateWindowMs ?? 120_000,
    maxAgeMs: init.maxAgeMs ?? 0,
    owner: init.owner,
  });
}

/**
 * eventStream declares the stream of the events a service publishes:
 * `EVENTS_<SOURCE>` capturing `<source>.>`. Every event type of the service
 * starts with its name, so all of them land in it. The source owns it:
 * only the service named `source` updates its configuration (`maxAgeMs`,
 * default {@link defaultEventMaxAgeMs}), so a consumer's declaration
 * cannot undo the owner's.
 */
export function eventStream(
  source: string,
  options: Partial<Omit<StreamInit, "owner">> = {},
): StreamSpec {
  if (!servicePattern.test(source)) throw new Error(`invalid event source ${source}`);
  return defineStream({
    maxAgeMs: defaultEventMaxAgeMs,
    ...options,
    name: `EVENTS_${source.toUpperCase()}`,
    subjects: [`${source}.>`],
    owner: source,
  });
}

/**
 * mayUpdateStream tells whether `service` may change an existing stream's
 * configuration: its owner may, and anyone may change a shared stream.
 */
export function mayUpdateStream(spec: StreamSpec, service: string | undefined): boolean {
  return spec.owner === undefined || spec.owner === service;
}

/** defineConsumer validates a consumer declaration and fills in the defaults. */
export function defineConsumer(init: ConsumerInit): ConsumerSpec {
  checkName("consumer", init.durable);
  checkName("stream", init.stream);
  checkSubject(init.filterSubject, true);
  const spec: ConsumerSpec = Object.freeze({
    durable: init.durable,
    stream: init.stream,
    filterSubject: init.filterSubject,
    ackWaitMs: init.ackWaitMs ?? 30_000,
    maxDeliver: init.maxDeliver ?? 5,
    backoffMs: Object.freeze([...(init.backoffMs ?? [1_000, 5_000, 30_000])]),
    batchSize: init.batchSize ?? 10,
  });
  checkLimits(spec);
  return spec;
}

/**
 * defineTopology checks that every consumer reads a declared stream. A
 * service declares the streams it consumes as well as its own, so
 * start-up order between services does not matter: the first creates a
 * missing stream, and only its owner updates it ({@link eventStream}).
 */
export function defineTopology(topology: Topology): Topology {
  const streams = new Set(topology.streams.map((stream) => stream.name));
  for (const consumer of topology.consumers) {
    if (!streams.has(consumer.stream)) {
      throw new Error(`consumer ${consumer.durable} reads undeclared stream ${consumer.stream}`);
    }
  }
  return Object.freeze({ streams: [...topology.streams], consumers: [...topology.consumers] });
}

/** consumerKey identifies a durable consumer: its name is unique within its stream. */
export function consumerKey(spec: ConsumerSpec): string {
  return `${spec.stream}/${spec.durable}`;
}

/** redeliveryDelayMs is how long a message waits after its `deliveryCount`-th delivery failed. */
export function redeliveryDelayMs(spec: ConsumerSpec, deliveryCount: number): number {
  const { backoffMs } = spec;
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(deliveryCount, backoffMs.length) - 1] ?? 0;
}

function checkName(kind: string, name: string): void {
  if (!namePattern.test(name)) throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`);
}

/** checkSubject throws unless `subject` is a valid NATS subject (wildcards only if allowed). */
export function checkSubject(subject: string, wildcards: boolean): void {
  const tokens = subject.split(".");
  const valid = tokens.every((token, i) =>
    token === ">"
      ? wildcards && i === tokens.length - 1
      : tokenPattern.test(token) && (wildcards || token !== "*"),
  );
  if (!valid) throw new Error(`invalid subject ${JSON.stringify(subject)}`);
}

function checkLimits(spec: ConsumerSpec): void {
  const where = `consumer ${spec.durable}`;
  if (!Number.isInteger(spec.maxDeliver) || spec.maxDeliver < 1) {
    throw new Error(`${where}: maxDeliver must be an integer >= 1`);
  }
  if (!(spec.ackWaitMs >= 1)) throw new Error(`${where}: ackWaitMs must be >= 1`);
  if (spec.backoffMs.some((ms) => !(ms >= 0))) throw new Error(`${where}: negative backoff`);
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) {
    throw new Error(`${where}: batchSize must be an integer >= 1`);
  }
}
