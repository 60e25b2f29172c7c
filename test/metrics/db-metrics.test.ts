/**
 * Database pool and query metrics, on PGlite and, when TEST_DATABASE_URL is
 * set, on a real postgres.js pool; then as a running service exposes them.
 */
import { sql } from "drizzle-orm";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDatabase, type Database } from "../../platform/db/create-database.js";
import { memoryDataDir } from "../../platform/db/pglite-database.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";

interface Kind {
  readonly name: string;
  readonly max: number;
  open(registry: Registry): Promise<{ database: Database; drop(): Promise<void> }>;
}

const pglite: Kind = {
  name: "pglite",
  max: 1,
  async open(registry) {
    const database = await createDatabase({
      dataDir: memoryDataDir,
      schema: {},
      metrics: registry,
    });
    return { database, drop: () => database.close() };
  },
};

const postgres: Kind = {
  name: "postgres",
  max: 3,
  async open(registry) {
    // A fresh database on the server; this test's own pool on it.
    const scratch: TestDatabase<Record<string, never>> = await createTestDatabase({});
    const database = await createDatabase({
      url: scratch.url,
      dataDir: memoryDataDir,
      schema: {},
      poolMax: 3,
      metrics: registry,
    });
    return {
      database,
      async drop() {
        await database.close();
        await scratch.drop();
      },
    };
  },
};

const kinds = process.env["TEST_DATABASE_URL"] ? [pglite, postgres] : [pglite];

describe.each(kinds)("database metrics on $name", (kind) => {
  const registry = new Registry();
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, drop } = await kind.open(registry));
  });
  afterAll(() => drop?.());

  const samples = async () => parsePrometheusText(await registry.metrics());
  const value = (s: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
    sampleValue(s, name, labels);

  it("reports the pool's size, and no connection in use when idle", async () => {
    await database.ping();
    const s = await samples();
    expect(value(s, "db_pool_max")).toBe(kind.max);
    expect(value(s, "db_pool_in_use")).toBe(0);
    expect(value(s, "db_pool_waiting")).toBe(0);
  });

  it("counts a transaction's connection until it ends, and callers beyond the pool as waiting", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let opened = 0;
    // One transaction per connection, each holding it open at the gate...
    const transactions = Array.from({ length: kind.max }, () =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        opened++;
        await gate;
      }),
    );
    await vi.waitFor(() => expect(opened).toBe(kind.max), { timeout: 5_000 });
    // ...so two more statements wait (drizzle's queries start when awaited: then()).
    const waiting = [sql`select 2`, sql`select 3`].map((q) => database.db.execute(q).then());
    try {
      const busy = await samples();
      expect(value(busy, "db_pool_in_use")).toBe(kind.max);
      expect(value(busy, "db_pool_waiting")).toBe(2);
    } finally {
      release();
      await Promise.all([...transactions, ...waiting]);
    }
    const idle = await samples();
    expect(value(idle, "db_pool_in_use")).toBe(0);
    expect(value(idle, "db_pool_waiting")).toBe(0);
  });

  it("counts statements by result and times them", async () => {
    const before = await samples();
    await database.db.execute(sql`select 1`);
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
    });
    await expect(database.db.execute(sql`select * from no_such_table`)).rejects.toThrow();
    const after = await samples();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    // BEGIN and COMMIT are the driver's, not statements drizzle prepares.
    expect(delta("db_queries_total", { result: "ok" })).toBe(2);
    expect(delta("db_queries_total", { result: "error" })).toBe(1);
    expect(delta("db_query_duration_seconds_count")).toBe(3);
    expect(value(after, "db_pool_in_use")).toBe(0);
  });

  it("counts the statements of a savepoint, on the transaction's connection", async () => {
    const before = await samples();
    let inUse: number | undefined;
    await database.db.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        await inner.execute(sql`select 1`);
        inUse = value(await samples(), "db_pool_in_use");
      });
    });
    const ok = (s: readonly Sample[]) => value(s, "db_queries_total", { result: "ok" }) ?? 0;
    // PGlite's drizzle driver sends SAVEPOINT and RELEASE as statements too.
    expect(ok(await samples()) - ok(before)).toBeGreaterThanOrEqual(1);
    expect(inUse).toBe(1);
  });
});

describe("a service's database metrics", () => {
  let identity: TestIdentity;
  beforeAll(async () => {
    identity = await startTestIdentity();
  });
  afterAll(() => identity?.stop());

  it("are on its /metrics, with the pool idle between requests", async () => {
    const res = await fetch(`http://127.0.0.1:${identity.service.adminPort}/metrics`);
    const s = parsePrometheusText(await res.text());
    const service = "identity";
    expect(sampleValue(s, "db_pool_max", { service })).toBeGreaterThan(0);
    expect(sampleValue(s, "db_pool_in_use", { service })).toBe(0);
    expect(sampleValue(s, "db_pool_waiting", { service })).toBe(0);
    // Readiness and the status checks ping the database.
    expect(sampleValue(s, "db_queries_total", { service, result: "ok" })).toBeGreaterThan(0);
  });
});
