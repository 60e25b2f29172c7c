import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventBroker } from "../../platform/events/broker.js";
import { createNatsBroker } from "../../platform/events/nats-broker.js";
import { defineConsumer, defineStream, defineTopology } from "../../platform/events/topology.js";
import { natsBrokerKind, uniqueRun } from "./broker-fixture.js";

const natsUrl = process.env["NATS_URL"];

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// The script as `npm run dlq --` runs it, in its own process.
function dlq(args: string[], env: Record<string, string | undefined>): Promise<Result> {
  const { NATS_URL, DLQ_STREAM, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/dlq.ts", ...args],
      { env: { ...inherited, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("npm run dlq", () => {
  it("exits 2 with the usage on a bad command line", async () => {
    const result = await dlq(["replay"], { NATS_URL: "nats://127.0.0.1:4222" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("replay needs a numeric id");
    expect(result.stderr).toContain("usage: npm run dlq");
  });

  it("explains that the embedded broker has nothing to show without NATS_URL", async () => {
    const result = await dlq(["list"], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("NATS_URL is not set");
  });
});

describe.runIf(natsBrokerKind)("npm run dlq against NATS", () => {
  const run = uniqueRun("cli");
  const stream = defineStream({ name: run.stream, subjects: [`${run.subjectRoot}.>`] });
  const consumer = defineConsumer({
    durable: "cli_consumer",
    stream: stream.name,
    filterSubject: `${run.subjectRoot}.thing.v1`,
    maxDeliver: 1,
  });
  const env = { NATS_URL: natsUrl, DLQ_STREAM: run.deadLetters.stream };
  let broker: EventBroker;

  beforeAll(async () => {
    broker = await createNatsBroker({ url: natsUrl!, deadLetters: run.deadLetters });
    await broker.ensureTopology(defineTopology({ streams: [stream], consumers: [consumer] }));
    const handle = broker.consume(consumer, async () => {
      throw new Error("no handler for things yet");
    });
    await broker.publish(consumer.filterSubject, new TextEncoder().encode("x"), { msgId: "x" });
    await vi.waitFor(async () => expect(await broker.deadLetters.list()).toHaveLength(1), {
      timeout: 10_000,
    });
    await handle.stop();
  });
  afterAll(async () => {
    await broker.close();
    await natsBrokerKind!.deleteStreams([stream.name, run.deadLetters.stream]);
  });

  it("lists dead letters as a table", async () => {
    const result = await dlq(["list", "--consumer", "cli_consumer"], env);
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+TIME\s+CONSUMER\s+SUBJECT\s+DELIVERIES\s+REASON$/);
    expect(row).toContain("cli_consumer");
    expect(row).toContain(consumer.filterSubject);
    expect(row).toMatch(/no handler for things yet$/);
  });

  it("replays a dead letter by id, then reports it gone", async () => {
    const [letter] = await broker.deadLetters.list();
    const replayed = await dlq(["replay", letter!.id], env);
    expect(replayed).toMatchObject({ code: 0, stdout: `replayed dead letter ${letter!.id}\n` });
    const again = await dlq(["replay", letter!.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`dlq: dead letter ${letter!.id} not found\n`);
  });
});
