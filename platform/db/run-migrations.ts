import { sql } from "drizzle-orm";
import type { MigrationConfig } from "drizzle-orm/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { Database, DedicatedConnection } from "./create-database.js";

/** MigrationOptions configure {@link runMigrations}. */
export interface MigrationOptions {
  /** The owning service, e.g. "identity"; names its journal table. */
  readonly service: string;
}

/**
 * migrationsSchema holds every service's migration journal. It is not the
 * service's own schema: drizzle-kit's first migration runs `CREATE SCHEMA
 * "<service>"`, which would fail if the journal had already created it.
 */
export const migrationsSchema = "drizzle";

// One lock for all services' migrations in a database. Per-service keys
// would still let two services race on `CREATE SCHEMA IF NOT EXISTS
// drizzle`, which can fail with a unique violation on the catalog; migrating
// services one after another costs milliseconds at boot.
const lockKey = "protoplane:migrations";

const servicePattern = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * runMigrations applies a service's committed drizzle-kit migrations that the
 * database has not seen, journaled in `drizzle.<service>_migrations`, so
 * services sharing a database keep separate journals. It is idempotent, and
 * safe to run from several processes at once: the work happens under a
 * Postgres advisory lock on a dedicated connection, so a second process
 * waits, then finds nothing left to do.
 */
export async function runMigrations(
  database: Database,
  migrationsFolder: string,
  options: MigrationOptions,
): Promise<void> {
  if (!servicePattern.test(options.service)) {
    throw new Error(`runMigrations: invalid service name ${JSON.stringify(options.service)}`);
  }
  const config: MigrationConfig = {
    migrationsFolder,
    migrationsSchema,
    migrationsTable: `${options.service}_migrations`,
  };
  await database.withDedicatedConnection((connection) =>
    withAdvisoryLock(connection.db, () => migrateWith(connection, config)),
  );
}

function migrateWith(connection: DedicatedConnection, config: MigrationConfig): Promise<void> {
  // Both migrators apply all pending files in one transaction; they differ
  // only in the driver type they accept.
  return connection.kind === "postgres"
    ? migratePostgres(connection.db, config)
    : migratePglite(connection.db, config);
}

// A session-level lock: it survives the migrator's own COMMIT, and if the
// process dies the server releases it with the connection.
async function withAdvisoryLock<T>(
  db: PgDatabase<PgQueryResultHKT>,
  fn: () => Promise<T>,
): Promise<T> {
  await db.execute(sql`select pg_advisory_lock(hashtextextended(${lockKey}, 0))`);
  try {
    return await fn();
  } finally {
    await db.execute(sql`select pg_advisory_unlock(hashtextextended(${lockKey}, 0))`);
  }
}
