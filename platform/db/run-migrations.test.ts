import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { type AppDatabase, createDatabase } from "./create-database.js";
import { runMigrations } from "./run-migrations.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

const onRealPostgres = Boolean(process.env["TEST_DATABASE_URL"]);
const fixtureMigrations = fileURLToPath(new URL("./fixtures/migrations", import.meta.url));

// postgres.js returns the rows array itself; PGlite returns `{ rows }`.
async function rows<T>(db: AppDatabase, query: ReturnType<typeof sql>): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

describe("runMigrations", () => {
  let database: TestDatabase<Record<string, never>> | undefined;
  afterEach(() => database?.drop());

  it("applies every migration once, journaled per service, and is idempotent", async () => {
    database = await createTestDatabase({});
    await runMigrations(database, fixtureMigrations, { service: "fixture" });
    await runMigrations(database, fixtureMigrations, { service: "fixture" });

    await database.db.execute(sql`insert into fixture.widgets (id, name) values (1, 'a')`);
    const widgets = await rows<{ color: string }>(
      database.db,
      sql`select color from fixture.widgets`,
    );
    expect(widgets).toEqual([{ color: "blue" }]);
    const journal = await rows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from drizzle.fixture_migrations`,
    );
    expect(journal).toEqual([{ n: 2 }]);
  });

  it("rejects a service name that is not a plain identifier", async () => {
    database = await createTestDatabase({});
    await expect(
      runMigrations(database, fixtureMigrations, { service: "x; drop" }),
    ).rejects.toThrow(/invalid service name/);
  });

  it.runIf(onRealPostgres)(
    "is safe when two processes migrate the same database at once",
    async () => {
      database = await createTestDatabase({});
      // Two pools stand in for two processes: each migrates on its own
      // connection, and the advisory lock makes the second wait for the first.
      const pools = await Promise.all(
        [1, 2].map(() => createDatabase({ url: database?.url, dataDir: "", schema: {} })),
      );
      try {
        await Promise.all(
          pools.map((pool) => runMigrations(pool, fixtureMigrations, { service: "fixture" })),
        );
      } finally {
        await Promise.all(pools.map((pool) => pool.close()));
      }
      const journal = await rows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from drizzle.fixture_migrations`,
      );
      expect(journal).toEqual([{ n: 2 }]);
    },
  );
});
