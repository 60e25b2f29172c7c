import { randomBytes } from "node:crypto";
import { connect } from "nats";
import type { DeadLetterSettings, EventBroker } from "../../platform/events/broker.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import { createNatsBroker } from "../../platform/events/nats-broker.js";

const natsUrl = process.env["NATS_URL"];

/**
 * BrokerKind opens one kind of broker for the contract tests and removes
 * whatever a run left on the server.
 */
export interface BrokerKind {
  readonly name: "memory" | "nats";
  open(deadLetters: DeadLetterSettings): Promise<EventBroker>;
  deleteStreams(names: readonly string[]): Promise<void>;
}

const memory: BrokerKind = {
  name: "memory",
  open: async (deadLetters) => createMemoryBroker({ deadLetters }),
  deleteStreams: async () => {},
};

function nats(url: string): BrokerKind {
  return {
    name: "nats",
    open: (deadLetters) => createNatsBroker({ url, name: "contract-test", deadLetters }),
    async deleteStreams(names) {
      const nc = await connect({ servers: url });
      const jsm = await nc.jetstreamManager();
      for (const name of names) await jsm.streams.delete(name).catch(() => false);
      await nc.close();
    },
  };
}

/** natsBrokerKind is JetStream at `NATS_URL`, or undefined when it is unset. */
export const natsBrokerKind: BrokerKind | undefined = natsUrl ? nats(natsUrl) : undefined;

/** brokerKinds are the brokers under test: the embedded one, and NATS when `NATS_URL` is set. */
export const brokerKinds: readonly BrokerKind[] = natsBrokerKind
  ? [memory, natsBrokerKind]
  : [memory];

/**
 * uniqueRun names streams and subjects for one test run, so runs sharing a
 * NATS server (parallel files, CI jobs) never see each other's messages.
 */
export function uniqueRun(prefix: string) {
  const id = `${prefix}${randomBytes(4).toString("hex")}`;
  return {
    id,
    stream: id.toUpperCase(),
    subjectRoot: id,
    deadLetters: { stream: `DLQ_${id.toUpperCase()}`, subjectPrefix: `dlq_${id}` },
  };
}
