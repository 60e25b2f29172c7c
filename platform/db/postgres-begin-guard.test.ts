import { Code } from "@connectrpc/connect";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./create-database.js";
import { mapDbError } from "./map-db-error.js";
import { createPostgresDatabase } from "./postgres-database.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { withTransaction } from "./with-transaction.js";

const serverUrl = process.env["TEST_DATABASE_URL"];

// The defect is in postgres.js's socket handling, so only a real server shows it.
describe.skipIf(!serverUrl)("a transaction whose backend dies (postgres.js#1208)", () => {
  let scratch: TestDatabase<Record<string, never>>;
  let database: Database;

  beforeAll(async () => {
    scratch = await createTestDatabase({});
    database = await createPostgresDatabase({ url: scratch.url!, dataDir: "", schema: {} });
    await database.db.execute(sql`create table t (n int)`);
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  const codeOf = (run: Promise<unknown>) =>
    run.then(
      () => undefined,
      (err: unknown) => mapDbError(err).code,
    );

  it("fails UNAVAILABLE without crashing the process, commits nothing, and the pool recovers", async () => {
    for (let i = 0; i < 20; i++) {
      const died = withTransaction(database.db, async (tx) => {
        await tx.execute(sql`insert into t values (1)`);
        await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
      });
      expect(await codeOf(died)).toBe(Code.Unavailable);
    }
    // Any write postgres.js scheduled runs now: unguarded, it throws here.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A recycled connection may still answer once with the old error (retryable).
    let code: Code | undefined = Code.Unavailable;
    for (let i = 0; i < 5 && code !== undefined; i++) {
      code = await codeOf(
        withTransaction(database.db, (tx) => tx.execute(sql`insert into t values (2)`)),
      );
    }
    expect(code).toBeUndefined();
    const rows = await database.db.execute<{ n: number }>(sql`select n from t where n = 1`);
    expect(rows).toHaveLength(0);
  });
});
