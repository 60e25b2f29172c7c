import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { type AppDatabase, createDatabase } from "./create-database.js";
import { createTestDatabase } from "./test-database.js";

const serverUrl = process.env["TEST_DATABASE_URL"];

async function firstRow<T>(db: AppDatabase, query: ReturnType<typeof sql>): Promise<T | undefined> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows)[0] as T | undefined;
}

describe("createDatabase with PGlite", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("persists data under dataDir, creating the directory", async () => {
    const parent = await mkdtemp(join(tmpdir(), "pp-db-"));
    dirs.push(parent);
    const dataDir = join(parent, "nested", "identity");
    const first = await createDatabase({ dataDir, schema: {} });
    expect(first.kind).toBe("pglite");
    await first.db.execute(sql`create table kept (n int)`);
    await first.db.execute(sql`insert into kept values (42)`);
    await first.close();

    const second = await createDatabase({ dataDir, schema: {} });
    expect(await firstRow(second.db, sql`select n from kept`)).toEqual({ n: 42 });
    await second.close();
  });

  it("pings, runs in UTC, and can be closed twice", async () => {
    const database = await createDatabase({ dataDir: ":memory:", schema: {} });
    await database.ping();
    expect(await firstRow(database.db, sql`select current_setting('TimeZone') as tz`)).toEqual({
      tz: "UTC",
    });
    await database.close();
    await database.close();
  });
});

describe.runIf(serverUrl)("createDatabase with Postgres", () => {
  it("sets the session up on every pooled connection", async () => {
    const test = await createTestDatabase({});
    const database = await createDatabase({
      url: test.url,
      dataDir: "",
      schema: {},
      statementTimeoutMs: 1234,
      applicationName: "identity",
    });
    try {
      expect(database.kind).toBe("postgres");
      await database.ping();
      const settings = await firstRow(
        database.db,
        sql`select current_setting('statement_timeout') as timeout,
                   current_setting('TimeZone') as tz,
                   current_setting('application_name') as app`,
      );
      expect(settings).toEqual({ timeout: "1234ms", tz: "UTC", app: "identity" });
    } finally {
      await database.close();
      await test.drop();
    }
  });

  it("gives dedicated connections no statement timeout", async () => {
    const test = await createTestDatabase({});
    try {
      const timeout = await test.withDedicatedConnection(async (connection) => {
        expect(connection.kind).toBe("postgres");
        return firstRow(connection.db, sql`select current_setting('statement_timeout') as t`);
      });
      expect(timeout).toEqual({ t: "0" });
    } finally {
      await test.drop();
    }
  });
});
