import { connect, type NatsConnection } from "nats";
import { createLogger, type Logger } from "../log/index.js";
import {
  type ConsumerHandle,
  type DeadLetterSettings,
  defaultDeadLetters,
  type EventBroker,
  notDeclaredError,
} from "./broker.js";
import { type NatsConsumerHandle, startNatsConsumer } from "./nats-consumer.js";
import { createNatsDeadLetters } from "./nats-dead-letters.js";
import { toNatsHeaders } from "./nats-headers.js";
import { ensureNatsConsumer, ensureNatsTopology } from "./nats-topology.js";
import { consumerKey, type StreamSpec } from "./topology.js";

/** NatsBrokerOptions configure {@link createNatsBroker}. */
export interface NatsBrokerOptions {
  /** NATS server URL, e.g. `nats://127.0.0.1:4222`; may carry credentials. */
  readonly url: string;
  /**
   * Connection name shown by the server's monitoring: the service name,
   * which is also whose streams (`eventStream(name)`) this broker may update.
   */
  readonly name?: string | undefined;
  /** Where consumer failures and dead letters are logged; silent when unset. */
  readonly logger?: Logger | undefined;
  /** Where dead letters go; default stream "DLQ", subjects `dlq.>`. */
  readonly deadLetters?: DeadLetterSettings | undefined;
}

/**
 * createNatsBroker connects to NATS and returns the JetStream
 * {@link EventBroker}: publishes carry `Nats-Msg-Id` for the stream's dedupe
 * window, consumers are durable pull consumers with explicit acks, and
 * dead letters are kept in their own stream. It reconnects forever: a broker
 * outage delays events (the outbox keeps them), it does not lose them.
 */
export async function createNatsBroker(options: NatsBrokerOptions): Promise<EventBroker> {
  const logger = options.logger ?? createLogger({ service: "events", level: "silent" });
  const settings = options.deadLetters ?? defaultDeadLetters;
  const nc = await connect({
    servers: options.url,
    name: options.name ?? "protoplane",
    maxReconnectAttempts: -1,
    // nats.js otherwise builds two errors with stack traces on every request
    // (a publish awaiting its ack is one), to enrich errors that rarely
    // happen; without them the relay's CPU per event fell by about a quarter
    // (docs/benchmarks.md). Errors keep their code and message.
    noAsyncTraces: true,
  });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const deadLetters = createNatsDeadLetters(js, jsm, settings);
  // Each declared consumer's stream, to recreate both if deleted at runtime.
  const declared = new Map<string, StreamSpec>();
  const handles = new Set<NatsConsumerHandle>();
  let closing: Promise<void> | undefined;

  return {
    kind: "nats",
    async ensureTopology(topology) {
      await ensureNatsTopology(jsm, topology, settings, options.name);
      for (const spec of topology.consumers) {
        const stream = topology.streams.find((s) => s.name === spec.stream);
        if (stream) declared.set(consumerKey(spec), stream);
      }
    },
    async publish(subject, data, publishOptions) {
      const headers = toNatsHeaders(publishOptions.headers);
      const ack = await js.publish(subject, data, { msgID: publishOptions.msgId, headers });
      return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
    },
    consume(spec, handler, batch, observer) {
      if (closing) throw new Error("event broker is closed");
      const stream = declared.get(consumerKey(spec));
      if (!stream) throw notDeclaredError(spec);
      const started = startNatsConsumer({
        js,
        spec,
        handler,
        batch,
        deadLetters,
        logger,
        observer,
        recreate: () => ensureNatsConsumer(jsm, stream, spec, options.name),
      });
      const handle: NatsConsumerHandle = {
        stop: () => started.stop().finally(() => handles.delete(handle)),
        health: () => started.health(),
      };
      handles.add(handle);
      return handle;
    },
    deadLetters,
    consumerHealth: () => [...handles].map((handle) => handle.health()),
    async ping() {
      await jsm.getAccountInfo();
    },
    close() {
      closing ??= closeAll(nc, handles);
      return closing;
    },
  };
}

// Consumers stop first, so their last acks are sent; drain then flushes
// everything still buffered before the socket closes.
async function closeAll(nc: NatsConnection, handles: Set<ConsumerHandle>): Promise<void> {
  await Promise.all([...handles].map((handle) => handle.stop()));
  if (!nc.isClosed()) await nc.drain();
}
