import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Notice, type Options } from "postgres";
import type { AppDatabase, Database, DatabaseOptions } from "./create-database.js";
import { guardBegin } from "./postgres-begin-guard.js";

/**
 * createPostgresDatabase opens a postgres.js pool behind drizzle. Session
 * settings go in the startup message (`connection`), so every pooled
 * connection gets them, including ones reopened after a failover.
 */
export async function createPostgresDatabase<TSchema extends Record<string, unknown>>(
  options: DatabaseOptions<TSchema> & { readonly url: string },
): Promise<Database<TSchema>> {
  const client = postgres(options.url, poolOptions(options));
  const db: AppDatabase<TSchema> = drizzle({ client: guardBegin(client), schema: options.schema });
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: "postgres",
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      // In-flight queries get a few seconds to finish before sockets close.
      closing ??= client.end({ timeout: 5 });
      return closing;
    },
    async withDedicatedConnection(fn) {
      const single = postgres(options.url, dedicatedOptions(options));
      try {
        return await fn({ kind: "postgres", db: drizzle({ client: single }) });
      } finally {
        await single.end({ timeout: 5 });
      }
    },
  };
}

function poolOptions(
  options: DatabaseOptions<Record<string, unknown>>,
): Options<Record<string, never>> {
  return {
    max: options.poolMax ?? 10,
    // Seconds, as postgres.js counts them. Failing fast on connect lets
    // readiness checks and callers see UNAVAILABLE instead of hanging.
    connect_timeout: 10,
    // Idle connections are closed, so a quiet service holds no server slots.
    idle_timeout: 30,
    onnotice: noticeHandler(options),
    connection: {
      application_name: options.applicationName ?? "protoplane",
      statement_timeout: options.statementTimeoutMs ?? 5_000,
      TimeZone: "UTC",
    },
  };
}

function dedicatedOptions(
  options: DatabaseOptions<Record<string, unknown>>,
): Options<Record<string, never>> {
  return {
    max: 1,
    connect_timeout: 10,
    onnotice: noticeHandler(options),
    connection: {
      application_name: `${options.applicationName ?? "protoplane"}:dedicated`,
      // 0 disables the timeout: a migration building an index, or a process
      // waiting for another's migration lock, may legitimately take long.
      statement_timeout: 0,
      TimeZone: "UTC",
    },
  };
}

// postgres.js prints notices ("schema already exists, skipping") to the
// console by default, which would break one-JSON-object-per-line logs.
function noticeHandler(options: DatabaseOptions<Record<string, unknown>>): (n: Notice) => void {
  const logger = options.logger;
  if (!logger) return () => {};
  return (notice) =>
    logger.debug(
      { notice: { code: notice["code"], message: notice["message"] } },
      "postgres notice",
    );
}
