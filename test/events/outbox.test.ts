import { randomBytes } from "node:crypto";
import { asc, eq, isNull, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type AppDatabase, createDatabase } from "../../platform/db/index.js";
import { decodeEvent } from "../../platform/events/event-envelope.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import {
  type OutboxRelay,
  pruneOutbox,
  startOutboxRelay,
} from "../../platform/events/outbox-relay.js";
import { handleOnce } from "../../platform/events/processed-events.js";
import { eventStream } from "../../platform/events/topology.js";
import { createLogger } from "../../platform/log/index.js";
import { outbox, processedEvents, widgets } from "./db/schema.js";
import {
  createShop,
  openShopDatabase,
  recordingBroker,
  type ShopDatabase,
} from "./shop-fixture.js";

const logger = createLogger({ service: "outbox-test", level: "silent" });
const waitFor = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 10_000, interval: 20 });

describe("transactional outbox", () => {
  const shop = createShop(`shop_${randomBytes(3).toString("hex")}`);
  let database: ShopDatabase;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    database = await openShopDatabase();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await database.db.delete(outbox);
    await database.db.delete(widgets);
  });
  afterAll(() => database.drop());

  async function openBroker(failures = 0) {
    const inner = createMemoryBroker();
    await inner.ensureTopology({ streams: [eventStream(shop.source)], consumers: [] });
    return recordingBroker(inner, failures);
  }

  function relay(
    broker: ReturnType<typeof recordingBroker>["broker"],
    db: AppDatabase = database.db,
  ) {
    const started = startOutboxRelay({ db, table: outbox, broker, logger, pollMs: 20 });
    relays.push(started);
    return started;
  }

  const rows = () => database.db.select().from(outbox).orderBy(asc(outbox.createdAt));
  const unpublished = () => database.db.select().from(outbox).where(isNull(outbox.publishedAt));

  it("commits the state change and its event row together", async () => {
    const eventId = await shop.ship(database.db, "w-1", 3);
    expect(await database.db.select().from(widgets)).toEqual([{ widgetId: "w-1", shipped: 3 }]);
    const [row] = await rows();
    expect(row).toMatchObject({
      eventId,
      subject: `${shop.source}.widget.shipped.v1`,
      type: `${shop.source}.widget.shipped`,
      headers: { "Pp-Subject-Key": "w-1" },
      publishedAt: null,
      attempts: 0,
      lastError: null,
    });
    const { envelope, event } = decodeEvent(shop.schema, row!.payload);
    expect(envelope).toMatchObject({ eventId, version: 1, source: shop.source, subjectKey: "w-1" });
    expect(event).toMatchObject({ widgetId: "w-1", quantity: 3 });
  });

  it("rolls the event row back with the state change", async () => {
    await expect(shop.ship(database.db, "w-2", 1, true)).rejects.toThrow("on purpose");
    expect(await database.db.select().from(widgets)).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it("publishes each row once, in order, with the event id as msgId, and marks it sent", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await shop.ship(database.db, `w-${i % 2}`, 1));
    const { broker, published } = await openBroker();
    relay(broker);
    await waitFor(async () => expect(await unpublished()).toEqual([]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(published.map((p) => p.msgId)).toEqual(ids);
    expect(published[0]).toMatchObject({
      subject: `${shop.source}.widget.shipped.v1`,
      headers: { "Pp-Subject-Key": "w-0" },
    });
    expect((await rows()).every((row) => row.publishedAt instanceof Date)).toBe(true);
  });

  it("retries after the broker was unavailable, without losing, duplicating or reordering", async () => {
    const ids = [
      await shop.ship(database.db, "w-1", 1),
      await shop.ship(database.db, "w-1", 2),
      await shop.ship(database.db, "w-1", 3),
    ];
    const { broker, published, failedCount } = await openBroker(3);
    relay(broker);
    await waitFor(async () => expect(await unpublished()).toEqual([]));
    expect(failedCount()).toBe(3);
    expect(published.map((p) => p.msgId)).toEqual(ids);
    const [first] = await database.db.select().from(outbox).where(eq(outbox.eventId, ids[0]!));
    expect(first).toMatchObject({ attempts: 3, lastError: "broker unavailable (3)" });
  });

  it("holds back a failed event's key only: other keys go on, and the key keeps its order", async () => {
    const a1 = await shop.ship(database.db, "w-a", 1);
    const b1 = await shop.ship(database.db, "w-b", 1);
    const a2 = await shop.ship(database.db, "w-a", 2);
    // The first publish (a1's) fails; b1 does not wait for its retry, a2 does.
    const { broker, published } = await openBroker(1);
    relay(broker);
    await waitFor(async () => expect(await unpublished()).toEqual([]));
    expect(published.map((p) => p.msgId)).toEqual([b1, a1, a2]);
    const [first] = await database.db.select().from(outbox).where(eq(outbox.eventId, a1));
    expect(first).toMatchObject({ attempts: 1, lastError: "broker unavailable (1)" });
  });

  it("records every failed row of a batch, one attempt each", async () => {
    const ids = [
      await shop.ship(database.db, "w-1", 1),
      await shop.ship(database.db, "w-2", 1),
      await shop.ship(database.db, "w-3", 1),
    ];
    const { broker } = await openBroker(Number.MAX_SAFE_INTEGER);
    relay(broker);
    await waitFor(async () => {
      const rows = await unpublished();
      expect(rows.map((row) => row.eventId).sort()).toEqual([...ids].sort());
      expect(rows.every((row) => row.attempts > 0 && row.lastError !== null)).toBe(true);
    });
  });

  // PGlite has one session: a second transaction cannot commit while the first is open.
  it.skipIf(!process.env["TEST_DATABASE_URL"])(
    "publishes a key's events in the order they were written, not the order their transactions began",
    async () => {
      const began = latch();
      const gate = latch();
      // Begins first, then waits (as for the entity's row lock) while another
      // transaction ships the same widget and commits.
      const late = database.db.transaction(async (tx) => {
        began.open();
        await gate.opened;
        return shop.shipIn(tx, "w-1", 2);
      });
      await began.opened;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const early = await shop.ship(database.db, "w-1", 1);
      gate.open();
      const later = await late;
      const { broker, published } = await openBroker();
      relay(broker);
      await waitFor(async () => expect(await unpublished()).toEqual([]));
      expect(published.map((p) => p.msgId)).toEqual([early, later]);
    },
  );

  it("never publishes a row twice with two relays running at once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await shop.ship(database.db, `w-${i % 3}`, 1));
    const { broker, published } = await openBroker();
    // On Postgres the second relay gets its own pool, as another replica would.
    const second = database.url
      ? await createDatabase({ url: database.url, dataDir: "", schema: {}, poolMax: 2 })
      : undefined;
    try {
      relay(broker);
      relay(broker, second?.db ?? database.db);
      await waitFor(async () => expect(await unpublished()).toEqual([]));
      await Promise.all(relays.splice(0).map((r) => r.stop()));
    } finally {
      await second?.close();
    }
    expect(published.map((p) => p.msgId)).toEqual(ids);
  });

  it("reports the age of the oldest unpublished row as its lag", async () => {
    const { broker } = await openBroker(Number.MAX_SAFE_INTEGER);
    const stalled = relay(broker);
    expect(await stalled.lag()).toBe(0);
    await shop.ship(database.db, "w-1", 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await stalled.lag()).toBeGreaterThanOrEqual(50);
  });

  it("wakes on notify() instead of waiting for the next poll", async () => {
    const { broker, published } = await openBroker();
    const idle = startOutboxRelay({
      db: database.db,
      table: outbox,
      broker,
      logger,
      pollMs: 60_000,
    });
    relays.push(idle);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const eventId = await shop.ship(database.db, "w-1", 1);
    idle.notify();
    await waitFor(() => expect(published.map((p) => p.msgId)).toEqual([eventId]));
  });

  it("publishes nothing after stop()", async () => {
    const { broker, published } = await openBroker();
    const stopped = relay(broker);
    await stopped.stop();
    await stopped.stop();
    await shop.ship(database.db, "w-1", 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(published).toEqual([]);
  });

  it("deletes published rows older than retainPublishedMs", async () => {
    await shop.ship(database.db, "w-1", 1);
    const { broker, published } = await openBroker();
    relays.push(
      startOutboxRelay({ db: database.db, table: outbox, broker, logger, retainPublishedMs: 0 }),
    );
    await waitFor(async () => expect(await rows()).toEqual([]));
    expect(published).toHaveLength(1);
  });

  it("prunes a row published at the very cutoff, keeps unpublished and younger ones", async () => {
    const [atCutoff, unsent, younger] = [
      await shop.ship(database.db, "w-1", 1),
      await shop.ship(database.db, "w-2", 1),
      await shop.ship(database.db, "w-3", 1),
    ];
    // Inside one transaction now() stands still: a row published "now" sits
    // exactly on a zero-retention cutoff, as it does when the relay's prune
    // runs in the same clock tick as its publish.
    await database.db.transaction(async (tx) => {
      await tx.update(outbox).set({ publishedAt: sql`now()` }).where(eq(outbox.eventId, atCutoff));
      await tx
        .update(outbox)
        .set({ publishedAt: sql`now() + interval '1 second'` })
        .where(eq(outbox.eventId, younger));
      await pruneOutbox(tx, outbox, 0);
    });
    expect((await rows()).map((row) => row.eventId).sort()).toEqual([unsent, younger].sort());
  });
});

// A promise the test resolves when it chooses.
function latch() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open: () => open(), opened };
}

describe("handleOnce", () => {
  let database: ShopDatabase;
  beforeAll(async () => {
    database = await openShopDatabase();
  });
  afterAll(() => database.drop());

  const eventId = () => "01900000-0000-7000-8000-" + randomBytes(6).toString("hex");
  const bump =
    (widgetId: string) => async (tx: Parameters<Parameters<typeof handleOnce>[4]>[0]) => {
      await tx
        .insert(widgets)
        .values({ widgetId, shipped: 1 })
        .onConflictDoUpdate({ target: widgets.widgetId, set: { shipped: 99 } });
    };
  const shipped = async (widgetId: string) =>
    (await database.db.select().from(widgets).where(eq(widgets.widgetId, widgetId)))[0]?.shipped;

  it("handles a redelivered event once", async () => {
    const id = eventId();
    expect(await handleOnce(database.db, processedEvents, "billing", id, bump("h-1"))).toBe(true);
    expect(await handleOnce(database.db, processedEvents, "billing", id, bump("h-1"))).toBe(false);
    expect(await shipped("h-1")).toBe(1);
  });

  it("keeps consumers apart: another consumer still handles the event", async () => {
    const id = eventId();
    await handleOnce(database.db, processedEvents, "billing", id, async () => {});
    let ran = false;
    await handleOnce(database.db, processedEvents, "shipping", id, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it("records nothing when the handler fails, so the redelivery runs it", async () => {
    const id = eventId();
    const failing = async (tx: Parameters<ReturnType<typeof bump>>[0]) => {
      await bump("h-2")(tx);
      throw new Error("downstream failed");
    };
    await expect(
      handleOnce(database.db, processedEvents, "billing", id, failing),
    ).rejects.toThrow();
    expect(await shipped("h-2")).toBeUndefined();
    expect(await handleOnce(database.db, processedEvents, "billing", id, bump("h-2"))).toBe(true);
  });

  it("runs the handler once for two concurrent deliveries of one event", async () => {
    const id = eventId();
    let runs = 0;
    const slow = async (tx: Parameters<ReturnType<typeof bump>>[0]) => {
      runs++;
      await bump("h-3")(tx);
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const results = await Promise.all([
      handleOnce(database.db, processedEvents, "billing", id, slow),
      handleOnce(database.db, processedEvents, "billing", id, slow),
    ]);
    expect(results.sort()).toEqual([false, true]);
    expect(runs).toBe(1);
  });
});
