import type { Logger } from "../log/index.js";
import type { DeadLetterSettings, EventBroker } from "./broker.js";
import { createMemoryBroker } from "./memory-broker.js";
import { createNatsBroker } from "./nats-broker.js";

/** EventBrokerOptions configure {@link createEventBroker}. */
export interface EventBrokerOptions {
  /** `NATS_URL`; the embedded broker when unset. */
  readonly natsUrl?: string | undefined;
  /** Connection name (the service), shown by NATS monitoring. */
  readonly name?: string | undefined;
  readonly logger?: Logger | undefined;
  readonly deadLetters?: DeadLetterSettings | undefined;
}

/**
 * createEventBroker opens the process's broker: JetStream when `natsUrl` is
 * set, else the in-process broker, which passes the same contract tests so
 * code written against one runs on the other. Build it once at start-up.
 */
export function createEventBroker(options: EventBrokerOptions): Promise<EventBroker> {
  const { natsUrl, ...rest } = options;
  if (natsUrl) return createNatsBroker({ ...rest, url: natsUrl });
  return Promise.resolve(createMemoryBroker(rest));
}
