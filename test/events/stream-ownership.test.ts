import { randomBytes } from "node:crypto";
import { connect, type JetStreamManager, type NatsConnection, nanos } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventBroker } from "../../platform/events/broker.js";
import { createNatsBroker } from "../../platform/events/nats-broker.js";
import {
  defaultEventMaxAgeMs,
  defineConsumer,
  defineTopology,
  eventStream,
} from "../../platform/events/topology.js";

const natsUrl = process.env["NATS_URL"];
const hourMs = 3_600_000;

// Two services share one stream: its owner publishes into it and sets its
// limits, another declares it only to consume it.
describe.skipIf(!natsUrl)("stream ownership on NATS", () => {
  const run = randomBytes(4).toString("hex");
  const deadLetters = { stream: `DLQ_OWN_${run.toUpperCase()}`, subjectPrefix: `dlq_own_${run}` };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const brokers: EventBroker[] = [];
  const open = async (service: string) => {
    const broker = await createNatsBroker({ url: natsUrl!, name: service, deadLetters });
    brokers.push(broker);
    return broker;
  };
  // The owner's declaration, and the consumer's view of the same stream.
  const topologies = (source: string) => {
    const owned = eventStream(source, { maxAgeMs: hourMs });
    const consumer = defineConsumer({
      durable: "identity_count",
      stream: owned.name,
      filterSubject: `${source}.>`,
    });
    return {
      name: owned.name,
      owner: defineTopology({ streams: [owned], consumers: [] }),
      reader: defineTopology({ streams: [eventStream(source)], consumers: [consumer] }),
    };
  };

  beforeAll(async () => {
    nc = await connect({ servers: natsUrl });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    for (const name of [deadLetters.stream, `EVENTS_OWN_A${run}`, `EVENTS_OWN_B${run}`]) {
      await jsm.streams.delete(name.toUpperCase()).catch(() => false);
    }
    await nc.close();
  });

  it("keeps the owner's config when a consumer service starts after it", async () => {
    const source = `own_a${run}`;
    const t = topologies(source);
    await (await open(source)).ensureTopology(t.owner);
    await (await open("identity")).ensureTopology(t.reader);
    const info = await jsm.streams.info(t.name);
    expect(info.config.max_age).toBe(nanos(hourMs));
    expect((await jsm.consumers.info(t.name, "identity_count")).name).toBe("identity_count");
  });

  it("lets a consumer service create a missing stream, which its owner then updates", async () => {
    const source = `own_b${run}`;
    const t = topologies(source);
    await (await open("identity")).ensureTopology(t.reader);
    expect((await jsm.streams.info(t.name)).config.max_age).toBe(nanos(defaultEventMaxAgeMs));
    await (await open(source)).ensureTopology(t.owner);
    await (await open("identity")).ensureTopology(t.reader);
    expect((await jsm.streams.info(t.name)).config.max_age).toBe(nanos(hourMs));
  });
});
