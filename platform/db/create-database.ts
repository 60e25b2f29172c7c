import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { ExtractTablesWithRelations } from "drizzle-orm/relations";
import type { Registry } from "prom-client";
import { createDbMetrics } from "../metrics/db-metrics.js";
import { tracerFor } from "../tracing/tracer-for.js";
import { createPgliteDatabase } from "./pglite-database.js";
import { trackPoolUsage } from "./pool-usage.js";
import { createPostgresDatabase } from "./postgres-database.js";
import { traceQueries } from "./trace-queries.js";

/**
 * AppDatabase is the drizzle handle services write queries against. It is
 * the driver-neutral `PgDatabase`, so one code path runs on postgres.js in
 * production and on embedded PGlite in development and tests.
 */
export type AppDatabase<TSchema extends Record<string, unknown> = Record<string, unknown>> =
  PgDatabase<PgQueryResultHKT, TSchema>;

/** AppTransaction is the handle a {@link AppDatabase} transaction callback receives. */
export type AppTransaction<TSchema extends Record<string, unknown> = Record<string, unknown>> =
  PgTransaction<PgQueryResultHKT, TSchema, ExtractTablesWithRelations<TSchema>>;

/**
 * DedicatedConnection is a driver-typed handle on one connection outside the
 * pool, for work that needs session state (advisory locks) or must not be cut
 * short by the pool's statement timeout (migrations).
 */
export type DedicatedConnection =
  | { readonly kind: "postgres"; readonly db: PostgresJsDatabase }
  | { readonly kind: "pglite"; readonly db: PgliteDatabase };

/** DatabaseLogger is the part of a pino logger the database uses. */
export interface DatabaseLogger {
  debug(obj: object, msg?: string): void;
}

/** DatabaseOptions configure {@link createDatabase}. */
export interface DatabaseOptions<TSchema extends Record<string, unknown>> {
  /** Postgres URL; embedded PGlite when unset. */
  readonly url?: string | undefined;
  /** Directory of the embedded database, or `":memory:"` for a throwaway one (tests). */
  readonly dataDir: string;
  /** The service's drizzle tables, for the relational query API. */
  readonly schema: TSchema;
  /** Most pooled Postgres connections; default 10. */
  readonly poolMax?: number | undefined;
  /** Postgres `statement_timeout` for pooled connections; default 5000. */
  readonly statementTimeoutMs?: number | undefined;
  /**
   * `application_name` shown in `pg_stat_activity`, and the service named by
   * its query spans; default "protoplane".
   */
  readonly applicationName?: string | undefined;
  /** Receives server notices at debug level; they are dropped without one. */
  readonly logger?: DatabaseLogger | undefined;
  /** Where the pool and query metrics go (see trackPoolUsage); none without one. */
  readonly metrics?: Registry | undefined;
}

/** Database is an open connection (pool) to a service's database. */
export interface Database<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  /** The drizzle handle for queries and transactions. */
  readonly db: AppDatabase<TSchema>;
  /** Which driver is behind {@link Database.db}. */
  readonly kind: "postgres" | "pglite";
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes the pool (or the embedded database); safe to call twice. */
  close(): Promise<void>;
  /**
   * Runs `fn` on its own connection with no statement timeout, closed
   * afterwards. PGlite has a single connection, which `fn` then shares.
   */
  withDedicatedConnection<T>(fn: (connection: DedicatedConnection) => Promise<T>): Promise<T>;
}

/**
 * createDatabase opens a service's database: drizzle on a postgres.js pool
 * when `url` is set, else embedded PGlite persisted under `dataDir` (or in
 * memory for `":memory:"`). Both speak real Postgres SQL, so services and
 * migrations do not care which one they got. When the process traces, every
 * statement on `db` is a span (see traceQueries); with `metrics`, the pool's
 * use and every statement are measured (see trackPoolUsage).
 */
export async function createDatabase<TSchema extends Record<string, unknown>>(
  options: DatabaseOptions<TSchema>,
): Promise<Database<TSchema>> {
  const database = options.url
    ? await createPostgresDatabase({ ...options, url: options.url })
    : await createPgliteDatabase(options.dataDir, options.schema);
  const tracer = tracerFor(options.applicationName ?? "protoplane");
  if (tracer !== undefined) {
    // PGlite has one database, "postgres".
    const namespace = options.url ? databaseNameOf(options.url) : "postgres";
    traceQueries(database.db, { tracer, namespace });
  }
  if (options.metrics !== undefined) {
    const metrics = createDbMetrics(options.metrics);
    metrics.watchPool(trackPoolUsage(database, metrics));
  }
  return database;
}

// As postgres.js reads the URL: the path names the database, else the user does.
function databaseNameOf(url: string): string {
  const { pathname, username } = new URL(url);
  return decodeURIComponent(pathname.slice(1) || username) || "postgres";
}
