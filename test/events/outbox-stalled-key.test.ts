import { randomBytes } from "node:crypto";
import { asc, eq, inArray, isNull } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventBroker } from "../../platform/events/broker.js";
import { eventTypeOf } from "../../platform/events/event-type.js";
import { type OutboxRelay, startOutboxRelay } from "../../platform/events/outbox-relay.js";
import { defineTopology, eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { brokerKinds } from "./broker-fixture.js";
import { outbox, widgets } from "./db/schema.js";
import {
  createShop,
  openShopDatabase,
  recordingBroker,
  type ShopDatabase,
} from "./shop-fixture.js";

const logger = createLogger({ service: "outbox-stalled-key-test", level: "silent" });
const waitFor = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 10_000, interval: 20 });

// A key whose head row keeps failing must not stall the relay: the failing
// rows here go to a subject no stream captures, which the broker refuses
// (JetStream: no responders), until the test points them back at the stream.
describe.each(brokerKinds)("outbox relay with a key that keeps failing, on $name", (kind) => {
  const run = randomBytes(3).toString("hex");
  const shop = createShop(`shop_${run}`);
  const stream = eventStream(shop.source);
  const goodSubject = eventTypeOf(shop.schema).subject;
  const uncaptured = `nostream_${run}.widget.shipped.v1`;
  let database: ShopDatabase;
  let inner: EventBroker;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    database = await openShopDatabase();
    inner = await kind.open({ stream: `DLQ_${run.toUpperCase()}`, subjectPrefix: `dlq_${run}` });
    await inner.ensureTopology(defineTopology({ streams: [stream], consumers: [] }));
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await database.db.delete(outbox);
    await database.db.delete(widgets);
  });
  afterAll(async () => {
    await inner?.close();
    await kind.deleteStreams([stream.name]);
    await database?.drop();
  });

  // batchSize 3: the failing key has more rows queued than a batch holds.
  function start(maxBackoffMs = 50) {
    const { broker, published } = recordingBroker(inner);
    relay = startOutboxRelay({
      db: database.db,
      table: outbox,
      broker,
      logger,
      batchSize: 3,
      pollMs: 20,
      maxBackoffMs,
    });
    return published;
  }
  const poison = (ids: string[], subject = uncaptured) =>
    database.db.update(outbox).set({ subject }).where(inArray(outbox.eventId, ids));
  const unpublished = () =>
    database.db
      .select()
      .from(outbox)
      .where(isNull(outbox.publishedAt))
      .orderBy(asc(outbox.createdAt));

  it("publishes other keys in order while the failing key's rows wait behind its head", async () => {
    const bad: string[] = [];
    for (let i = 0; i < 4; i++) bad.push(await shop.ship(database.db, "w-bad", 1));
    await poison(bad);
    const good: Record<string, string[]> = { "w-a": [], "w-b": [] };
    for (let i = 0; i < 6; i++) {
      const key = i % 3 === 2 ? "w-b" : "w-a";
      good[key]!.push(await shop.ship(database.db, key, 1));
    }
    const published = start();

    await waitFor(async () => {
      expect((await unpublished()).map((row) => row.eventId)).toEqual(bad);
    });
    const ids = published.map((p) => p.msgId);
    for (const key of ["w-a", "w-b"])
      expect(ids.filter((id) => good[key]!.includes(id))).toEqual(good[key]);
    expect(ids.filter((id) => bad.includes(id))).toEqual([]);
    // The head keeps being retried; the rows behind it are never tried.
    await waitFor(async () => expect((await unpublished())[0]!.attempts).toBeGreaterThan(1));
    const [head, ...behind] = await unpublished();
    expect(head).toMatchObject({ eventId: bad[0], lastError: expect.any(String) });
    expect(behind.map((row) => row.attempts)).toEqual([0, 0, 0]);

    // Once its head goes through, the key's rows follow in the order written.
    await poison(bad, goodSubject);
    await waitFor(async () => expect(await unpublished()).toEqual([]));
    expect(published.map((p) => p.msgId).filter((id) => bad.includes(id))).toEqual(bad);
  });

  it("keeps polling the other keys at its usual pace while one key rests between failures", async () => {
    const bad = await shop.ship(database.db, "w-bad", 1);
    await poison([bad]);
    const published = start(60_000);
    // After its 7th failure the key rests 20 ms × 2^7 = 2.56 s; a relay
    // that backed off as a whole would sleep as long.
    await vi.waitFor(
      async () => expect((await unpublished())[0]!.attempts).toBeGreaterThanOrEqual(7),
      { timeout: 15_000, interval: 5 },
    );
    const written = Date.now();
    const later = await shop.ship(database.db, "w-later", 1); // no notify(): found by polling
    await waitFor(() => expect(published.map((p) => p.msgId)).toContain(later));
    expect(Date.now() - written).toBeLessThan(1_000);
    // The broker holds it once acknowledged; its row is marked when the
    // batch's transaction commits, a moment later.
    await waitFor(async () =>
      expect((await unpublished()).map((row) => row.eventId)).toEqual([bad]),
    );
  }, 30_000);

  it("does not hold keyless events back behind a keyless event that keeps failing", async () => {
    const first = await shop.ship(database.db, "", 1);
    await poison([first]);
    const others: string[] = [];
    for (let i = 0; i < 4; i++) others.push(await shop.ship(database.db, "", 1));
    const published = start();

    await waitFor(async () => {
      expect((await unpublished()).map((row) => row.eventId)).toEqual([first]);
    });
    expect(published.map((p) => p.msgId).sort()).toEqual([...others].sort());
    expect(published.every((p) => p.headers?.["Pp-Subject-Key"] === "")).toBe(true);
    const [row] = await database.db.select().from(outbox).where(eq(outbox.eventId, first));
    expect(row!.attempts).toBeGreaterThan(0);
  });
});
