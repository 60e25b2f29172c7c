import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createDatabase, type Database } from "./create-database.js";
import { memoryDataDir } from "./pglite-database.js";

/**
 * TestDatabase is a throwaway database for one test file: a
 * {@link Database} plus its URL (undefined for PGlite) and `drop()`, which
 * closes it and deletes it from the server.
 */
export type TestDatabase<TSchema extends Record<string, unknown>> = Database<TSchema> & {
  readonly url: string | undefined;
  drop(): Promise<void>;
};

/**
 * createTestDatabase gives a test its own empty database. With
 * `TEST_DATABASE_URL` set (CI, or a local Postgres) it creates a uniquely
 * named database `pp_test_<random>` on that server, so test files running in
 * parallel never see each other's rows; otherwise it opens PGlite in memory.
 * Migrations are not applied: call `runMigrations` with the service's folder.
 */
export async function createTestDatabase<TSchema extends Record<string, unknown>>(
  schema: TSchema,
  serverUrl: string | undefined = process.env["TEST_DATABASE_URL"],
): Promise<TestDatabase<TSchema>> {
  if (!serverUrl) {
    const database = await createDatabase({ dataDir: memoryDataDir, schema });
    return { ...database, url: undefined, drop: () => database.close() };
  }
  const name = `pp_test_${randomBytes(6).toString("hex")}`;
  await onServer(serverUrl, (sql) => sql`create database ${sql(name)}`);
  const url = databaseUrl(serverUrl, name);
  const database = await createDatabase({ url, dataDir: memoryDataDir, schema, poolMax: 5 });
  const drop = async () => {
    await database.close();
    // FORCE (Postgres 13+) ends sessions a failed test may have leaked.
    await onServer(serverUrl, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
  };
  return { ...database, url, drop };
}

// CREATE/DROP DATABASE cannot run inside a transaction or on the database
// being dropped, so they go over a short-lived connection to the server URL.
async function onServer(serverUrl: string, fn: (sql: postgres.Sql) => Promise<unknown>) {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
