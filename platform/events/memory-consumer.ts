import type { Logger } from "../log/index.js";
import type {
  BatchHandler,
  ConsumerHandle,
  DeadLetterObserver,
  Delivery,
  DeliveryHandler,
} from "./broker.js";
import type { MemoryStream } from "./memory-stream.js";
import { processBatch, type Taken } from "./process-batch.js";
import type { DeliveryControl } from "./process-delivery.js";
import { subjectMatcher } from "./subject-match.js";
import { type ConsumerSpec, redeliveryDelayMs } from "./topology.js";

/** DeadLetterSink stores a message a consumer gave up on; false if it held it already. */
export type DeadLetterSink = (delivery: Delivery, reason: string) => boolean;

/**
 * MemoryConsumer is the durable state of one consumer of a
 * {@link MemoryStream}: how far it has read and which messages await an ack
 * or a redelivery. It outlives the handles started on it, so a consumer that
 * stops and starts again resumes where it was, as a JetStream durable does.
 */
export interface MemoryConsumer {
  /** Replaces the declaration (topology update); the position stays. */
  update(spec: ConsumerSpec): void;
  /** Starts a puller; several may share the consumer's messages. */
  start(
    spec: ConsumerSpec,
    handler: DeliveryHandler,
    batch: BatchHandler | undefined,
    logger: Logger,
    observer?: DeadLetterObserver,
  ): ConsumerHandle;
  /** Stops every puller and timer (broker close). */
  close(): Promise<void>;
}

// Delivered and not yet acknowledged, or waiting to be delivered again.
interface Pending {
  deliveries: number;
  inFlight: boolean;
  dueAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * createMemoryConsumer opens a consumer at the start of `stream` (deliver
 * policy "all"). Like the JetStream consumer (see consumerConfig), it sets no
 * delivery limit: a message is delivered until settled, and processDelivery
 * alone decides when it has had its attempts.
 */
export function createMemoryConsumer(
  initial: ConsumerSpec,
  stream: MemoryStream,
  sink: DeadLetterSink,
): MemoryConsumer {
  let matches = subjectMatcher(initial.filterSubject);
  let nextIndex = 0;
  const pending = new Map<number, Pending>();
  const wakers = new Set<() => void>();
  const handles = new Set<ConsumerHandle>();
  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };
  const unsubscribe = stream.onAppend(wakeAll);

  // Redeliveries that are due come first, lowest sequence first, as on JetStream.
  function takeNext(now: number): number | undefined {
    let best: number | undefined;
    for (const [seq, entry] of pending) {
      if (!entry.inFlight && entry.dueAt <= now && (best === undefined || seq < best)) best = seq;
    }
    if (best !== undefined) return best;
    while (nextIndex < stream.messages.length) {
      const message = stream.messages[nextIndex++]!;
      if (!matches(message.subject)) continue;
      pending.set(message.seq, { deliveries: 0, inFlight: false, dueAt: 0, timer: undefined });
      return message.seq;
    }
    return undefined;
  }

  function earliestDue(): number | undefined {
    let due: number | undefined;
    for (const entry of pending.values()) {
      if (!entry.inFlight && (due === undefined || entry.dueAt < due)) due = entry.dueAt;
    }
    return due;
  }

  function deliver(spec: ConsumerSpec, seq: number): [Delivery, DeliveryControl] {
    const entry = pending.get(seq)!;
    const attempt = ++entry.deliveries;
    entry.inFlight = true;
    // Unsettled within the ack wait (plus this attempt's backoff, as the
    // JetStream consumer is configured): another puller may have it.
    entry.timer = setTimeout(() => {
      if (entry.deliveries !== attempt || !entry.inFlight) return;
      entry.inFlight = false;
      entry.dueAt = 0;
      wakeAll();
    }, spec.ackWaitMs + redeliveryDelayMs(spec, attempt)).unref();
    const message = stream.messages[seq - 1]!;
    const delivery: Delivery = {
      subject: message.subject,
      data: message.data,
      headers: message.headers,
      msgId: message.msgId,
      stream: stream.spec.name,
      streamSequence: seq,
      consumer: spec.durable,
      deliveryCount: attempt,
    };
    return [delivery, controlFor(seq, entry, attempt, delivery)];
  }

  function controlFor(seq: number, entry: Pending, attempt: number, delivery: Delivery) {
    const settle = () => {
      clearTimeout(entry.timer);
      pending.delete(seq);
    };
    // Once the ack wait expired the message is handed out again, as JetStream
    // pushes it into some puller's buffer: a late ack or nak changes nothing,
    // and the handler sees the message once more.
    const current = () =>
      pending.get(seq) === entry && entry.deliveries === attempt && entry.inFlight;
    return {
      ack() {
        if (current()) settle();
      },
      nak(delayMs: number) {
        if (!current()) return;
        clearTimeout(entry.timer);
        entry.inFlight = false;
        entry.dueAt = Date.now() + delayMs;
        wakeAll();
      },
      async deadLetter(reason: string) {
        const stored = sink(delivery, reason);
        settle();
        return stored;
      },
    } satisfies DeliveryControl;
  }

  function idle(stopped: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        wakers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      wakers.add(wake);
      const due = earliestDue();
      if (due !== undefined) timer = setTimeout(wake, Math.max(0, due - Date.now()));
      if (stopped()) wake();
    });
  }

  function start(
    spec: ConsumerSpec,
    handler: DeliveryHandler,
    batch: BatchHandler | undefined,
    logger: Logger,
    observer: DeadLetterObserver | undefined,
  ): ConsumerHandle {
    let stopped = false;
    // Like a JetStream pull, one turn takes whatever is due, up to the
    // batch size (one at a time when there is no batch handler).
    const take = (): Taken[] => {
      const taken: Taken[] = [];
      const now = Date.now();
      const limit = batch ? spec.batchSize : 1;
      for (let seq = takeNext(now); seq !== undefined; seq = takeNext(now)) {
        taken.push(deliver(spec, seq));
        if (taken.length >= limit) break;
      }
      return taken;
    };
    const run = async () => {
      let sinceYield = 0;
      while (!stopped) {
        const taken = take();
        if (taken.length === 0) {
          await idle(() => stopped);
          continue;
        }
        await processBatch(spec, taken, handler, batch, logger, observer);
        // Handlers that resolve at once would otherwise starve timers and I/O.
        sinceYield += taken.length;
        if (sinceYield >= spec.batchSize) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    };
    const done = run().catch((err: unknown) => {
      logger.error({ err, consumer: spec.durable }, "consumer stopped on an unexpected error");
    });
    const handle: ConsumerHandle = {
      async stop() {
        stopped = true;
        wakeAll();
        await done;
        handles.delete(handle);
      },
    };
    handles.add(handle);
    return handle;
  }

  return {
    update(spec) {
      matches = subjectMatcher(spec.filterSubject);
    },
    start,
    async close() {
      await Promise.all([...handles].map((handle) => handle.stop()));
      unsubscribe();
      for (const entry of pending.values()) clearTimeout(entry.timer);
    },
  };
}
