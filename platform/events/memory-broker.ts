import { createLogger, type Logger } from "../log/index.js";
import {
  type DeadLetterSettings,
  defaultDeadLetters,
  type EventBroker,
  notDeclaredError,
} from "./broker.js";
import { createMemoryConsumer, type MemoryConsumer } from "./memory-consumer.js";
import { createMemoryDeadLetters } from "./memory-dead-letters.js";
import { createMemoryStream, type MemoryStream } from "./memory-stream.js";
import { type ConsumerSpec, consumerKey, type Topology } from "./topology.js";

/** MemoryBrokerOptions configure {@link createMemoryBroker}. */
export interface MemoryBrokerOptions {
  /** Where handler failures and dead letters are logged; silent when unset. */
  readonly logger?: Logger | undefined;
  /** Names the dead-letter stream in replay ids, as on NATS. */
  readonly deadLetters?: DeadLetterSettings | undefined;
}

/**
 * createMemoryBroker is the embedded {@link EventBroker} used when
 * `NATS_URL` is unset: streams, durable consumers, dedupe, ack wait, backoff
 * and dead letters behave as on JetStream (the same contract tests run on
 * both), but everything lives in this process and is gone when it exits.
 * Fit for development and tests, where services and their consumers share
 * one process; across processes, run NATS.
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): EventBroker {
  const logger = options.logger ?? createLogger({ service: "events", level: "silent" });
  const streams = new Map<string, MemoryStream>();
  const consumers = new Map<string, MemoryConsumer>();
  let closed = false;

  const publish: EventBroker["publish"] = async (subject, data, publishOptions) => {
    if (closed) throw new Error("event broker is closed");
    const stream = streamFor(streams, subject);
    return stream.append(subject, data, publishOptions);
  };
  const deadLetters = createMemoryDeadLetters(
    (options.deadLetters ?? defaultDeadLetters).stream,
    publish,
  );

  return {
    kind: "memory",
    async ensureTopology(topology) {
      declareStreams(streams, topology);
      for (const spec of topology.consumers) {
        const existing = consumers.get(consumerKey(spec));
        if (existing) existing.update(spec);
        else consumers.set(consumerKey(spec), newConsumer(spec));
      }
    },
    publish,
    consume(spec, handler, batch, observer) {
      if (closed) throw new Error("event broker is closed");
      const consumer = consumers.get(consumerKey(spec));
      if (!consumer) throw notDeclaredError(spec);
      return consumer.start(spec, handler, batch, logger, observer);
    },
    deadLetters,
    async ping() {
      if (closed) throw new Error("event broker is closed");
    },
    async close() {
      closed = true;
      await Promise.all([...consumers.values()].map((consumer) => consumer.close()));
    },
  };

  function newConsumer(spec: ConsumerSpec): MemoryConsumer {
    const stream = streams.get(spec.stream);
    if (!stream) throw new Error(`consumer ${spec.durable}: stream ${spec.stream} not found`);
    return createMemoryConsumer(spec, stream, deadLetters.add);
  }
}

function declareStreams(streams: Map<string, MemoryStream>, topology: Topology): void {
  for (const spec of topology.streams) {
    const existing = streams.get(spec.name);
    if (existing) existing.update(spec);
    else streams.set(spec.name, createMemoryStream(spec));
  }
}

// As on JetStream, a subject no stream captures is an error, not a silent
// drop: the outbox relay must not mark such an event as published.
function streamFor(streams: Map<string, MemoryStream>, subject: string): MemoryStream {
  for (const stream of streams.values()) {
    if (stream.captures(subject)) return stream;
  }
  throw new Error(`no stream captures subject ${subject}`);
}
