import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";
import type { DeadLetterSettings } from "./broker.js";
import { isJetStreamError, jetStreamErrorCode } from "./nats-error.js";
import {
  type ConsumerSpec,
  defineStream,
  mayUpdateStream,
  type StreamSpec,
  type Topology,
} from "./topology.js";

// JSStreamNameExistErr: "stream name already in use with a different configuration".
const streamNameInUse = 10058;

/**
 * ensureNatsTopology creates or updates the dead-letter stream, then every
 * stream, then every consumer, so a process can run it at each start-up:
 * unchanged declarations are no-ops, changed ones are applied in place.
 * `service` (the running service) updates only the streams it owns; the
 * others it creates when missing and otherwise leaves as their owner set
 * them, or two services with different views would reset each other.
 */
export async function ensureNatsTopology(
  jsm: JetStreamManager,
  topology: Topology,
  deadLetters: DeadLetterSettings,
  service: string | undefined,
): Promise<void> {
  await ensureStream(jsm, deadLetterStream(deadLetters), service);
  for (const spec of topology.streams) await ensureStream(jsm, spec, service);
  for (const spec of topology.consumers) await ensureConsumer(jsm, spec);
}

/**
 * ensureNatsConsumer recreates a consumer deleted at runtime, and its
 * stream if that went too, by the same rules as {@link ensureNatsTopology}.
 */
export async function ensureNatsConsumer(
  jsm: JetStreamManager,
  stream: StreamSpec,
  consumer: ConsumerSpec,
  service: string | undefined,
): Promise<void> {
  await ensureStream(jsm, stream, service);
  await ensureConsumer(jsm, consumer);
}

/** deadLetterStream declares the dead-letter stream; it keeps messages until deleted. */
export function deadLetterStream(settings: DeadLetterSettings): StreamSpec {
  return defineStream({ name: settings.stream, subjects: [`${settings.subjectPrefix}.>`] });
}

/** streamConfig is the JetStream configuration of a stream declaration. */
export function streamConfig(spec: StreamSpec): Partial<StreamConfig> {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_age: nanos(spec.maxAgeMs),
  };
}

// max_deliver with no limit in practice: 68 years of deliveries at one a
// second. Not -1 (JetStream's "unlimited"): older servers (2.9, early 2.10)
// refuse it alongside `backoff` ("max deliver is required to be > length of
// backoff values"; fixed by nats-server#5242).
const unlimited = 2 ** 31 - 1;

/**
 * consumerConfig is the JetStream configuration of a consumer declaration.
 *
 * - `max_deliver` has no limit in practice: processDelivery enforces the
 *   spec's limit by dead-lettering, and a message whose dead-letter write
 *   failed must come back for another try. A server-side limit would stop
 *   delivering it, neither handled nor stored: silently dropped.
 * - JetStream's `backoff` times redeliveries after an ack timeout and
 *   replaces `ack_wait` for each attempt, so each entry is the ack wait plus
 *   that attempt's delay. Failures nak with the delay themselves.
 */
export function consumerConfig(spec: ConsumerSpec): Partial<ConsumerConfig> {
  const backoff = spec.backoffMs.slice(0, spec.maxDeliver).map((ms) => spec.ackWaitMs + ms);
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(backoff[0] ?? spec.ackWaitMs),
    max_deliver: unlimited,
    backoff: backoff.length > 0 ? backoff.map(nanos) : undefined,
  };
}

async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  service: string | undefined,
): Promise<void> {
  const { name, storage, ...updatable } = streamConfig(spec);
  const owner = mayUpdateStream(spec, service);
  if (await exists(jsm.streams.info(spec.name), jetStreamErrorCode.streamNotFound)) {
    if (owner) await jsm.streams.update(spec.name, updatable);
    return;
  }
  try {
    // Two processes may both get here; adding an identical stream twice is a no-op.
    await jsm.streams.add({ name, storage, ...updatable });
  } catch (err) {
    // Another service created it first, with its own view of the config.
    if (!isJetStreamError(err, streamNameInUse)) throw err;
    if (owner) await jsm.streams.update(spec.name, updatable);
  }
}

async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const config = consumerConfig(spec);
  const found = jsm.consumers.info(spec.stream, spec.durable);
  if (await exists(found, jetStreamErrorCode.consumerNotFound)) {
    // The policies cannot change after creation; everything else can
    // (max_deliver included, so existing consumers lose their old limit).
    const { durable_name, ack_policy, deliver_policy, ...updatable } = config;
    await jsm.consumers.update(spec.stream, spec.durable, updatable);
  } else {
    await jsm.consumers.add(spec.stream, config);
  }
}

async function exists(info: Promise<unknown>, notFoundCode: number): Promise<boolean> {
  try {
    await info;
    return true;
  } catch (err) {
    if (isJetStreamError(err, notFoundCode)) return false;
    throw err;
  }
}
