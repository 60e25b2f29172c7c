/**
 * The idempotency store on a real database: Postgres when TEST_DATABASE_URL
 * is set, embedded PGlite otherwise, with the gateway's own migrations.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { migrationsFolder } from "../db/index.js";
import * as schema from "../db/schema.js";
import { startIdempotencyCleaner } from "./idempotency-cleaner.js";
import { createIdempotencyStore, type IdempotencyStore } from "./idempotency-store.js";

let database: TestDatabase<typeof schema>;
let store: IdempotencyStore;

beforeAll(async () => {
  database = await createTestDatabase(schema);
  await runMigrations(database, migrationsFolder, { service: "gateway" });
  store = createIdempotencyStore(database.db, { lockMs: 60_000 });
});

afterAll(async () => {
  await database?.drop();
});

const ok = { status: 200, contentType: "application/json", body: '{"id":"1"}' };
let keys = 0;
const newKey = () => `key-${++keys}`;

async function age(key: string, interval: string) {
  await database.db
    .update(schema.idempotencyKeys)
    .set({ createTime: sql`now() - ${interval}::interval` })
    .where(eq(schema.idempotencyKeys.key, key));
}

describe("createIdempotencyStore", () => {
  it("claims a new key, then replays what was stored for it", async () => {
    const key = newKey();
    expect(await store.claim("user:a", key, "fp")).toEqual({ kind: "claimed" });
    await store.complete("user:a", key, ok);
    expect(await store.claim("user:a", key, "fp")).toEqual({ kind: "replay", response: ok });
  });

  it("reports a key whose first request still runs, and one used with other parameters", async () => {
    const key = newKey();
    await store.claim("user:a", key, "fp");
    expect(await store.claim("user:a", key, "fp")).toEqual({ kind: "in_flight" });
    expect(await store.claim("user:a", key, "other")).toEqual({ kind: "mismatch" });
  });

  it("scopes keys per principal", async () => {
    const key = newKey();
    await store.claim("user:a", key, "fp");
    expect(await store.claim("user:b", key, "other")).toEqual({ kind: "claimed" });
  });

  it("lets exactly one of many concurrent requests claim a key", async () => {
    const key = newKey();
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => store.claim("user:a", key, "fp")),
    );
    expect(claims.filter((c) => c.kind === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c.kind === "in_flight")).toHaveLength(7);
  });

  it("forgets a released key, so it can be used again with other parameters", async () => {
    const key = newKey();
    await store.claim("user:a", key, "fp");
    await store.release("user:a", key);
    expect(await store.claim("user:a", key, "fixed")).toEqual({ kind: "claimed" });
  });

  it("never releases a key whose answer is stored", async () => {
    const key = newKey();
    await store.claim("user:a", key, "fp");
    await store.complete("user:a", key, ok);
    await store.release("user:a", key);
    expect(await store.claim("user:a", key, "fp")).toMatchObject({ kind: "replay" });
  });

  it("hands an abandoned claim to a retry once its lock expires", async () => {
    const shortLock = createIdempotencyStore(database.db, { lockMs: 50 });
    const key = newKey();
    await shortLock.claim("user:a", key, "fp");
    expect(await shortLock.claim("user:a", key, "fp")).toEqual({ kind: "in_flight" });
    await new Promise((r) => setTimeout(r, 120));
    expect(await shortLock.claim("user:a", key, "other")).toEqual({ kind: "mismatch" });
    expect(await shortLock.claim("user:a", key, "fp")).toEqual({ kind: "claimed" });
  });

  it("deletes keys older than the retention, and only those", async () => {
    const [old, recent] = [newKey(), newKey()];
    for (const key of [old, recent]) {
      await store.claim("user:c", key, "fp");
      await store.complete("user:c", key, ok);
    }
    await age(old, "25 hours");
    expect(await store.deleteOlderThan(24 * 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await store.claim("user:c", old, "new")).toEqual({ kind: "claimed" });
    expect(await store.claim("user:c", recent, "fp")).toMatchObject({ kind: "replay" });
  });
});

describe("startIdempotencyCleaner", () => {
  it("sweeps expired keys on its interval until stopped", async () => {
    const key = newKey();
    await store.claim("user:d", key, "fp");
    await store.complete("user:d", key, ok);
    await age(key, "2 days");
    const deleted: number[] = [];
    const cleaner = startIdempotencyCleaner({
      store,
      retentionMs: 86_400_000,
      intervalMs: 20,
      logger: { info: (obj) => deleted.push((obj as { deleted: number }).deleted), warn() {} },
    });
    await expect.poll(() => deleted.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await cleaner.stop();
    expect(await store.claim("user:d", key, "again")).toEqual({ kind: "claimed" });
  });
});
