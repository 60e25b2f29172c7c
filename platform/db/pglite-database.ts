import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import type { AppDatabase, Database } from "./create-database.js";

/** memoryDataDir is the `dataDir` that keeps an embedded database in memory only. */
export const memoryDataDir = ":memory:";

/**
 * createPgliteDatabase opens embedded Postgres (PGlite, WASM, in-process)
 * under `dataDir`, creating the directory if needed, or in memory for
 * {@link memoryDataDir}. It is for local development and tests: one process
 * owns the files, and there is one connection, so no pool or statement
 * timeout applies.
 */
export async function createPgliteDatabase<TSchema extends Record<string, unknown>>(
  dataDir: string,
  schema: TSchema,
): Promise<Database<TSchema>> {
  const client = await openPglite(dataDir);
  const db: AppDatabase<TSchema> = drizzle({ client, schema });
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: "pglite",
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closing ??= client.close();
      return closing;
    },
    // The single connection is the dedicated one: it has no statement
    // timeout, and advisory locks taken on it are released by the caller.
    withDedicatedConnection(fn) {
      return fn({ kind: "pglite", db: drizzle({ client }) });
    },
  };
}

async function openPglite(dataDir: string): Promise<PGlite> {
  if (dataDir !== memoryDataDir) await mkdir(dataDir, { recursive: true });
  const client = dataDir === memoryDataDir ? await PGlite.create() : await PGlite.create(dataDir);
  // Same session time zone as the postgres.js pool, so `now()::text` and
  // date arithmetic behave alike on both drivers.
  await client.exec("SET TIME ZONE 'UTC'");
  return client;
}
