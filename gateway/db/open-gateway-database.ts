import { join } from "node:path";
import type { Registry } from "prom-client";
import { createDatabase, type Database, runMigrations } from "../../platform/db/index.js";
import { migrationsFolder } from "./index.js";
import * as schema from "./schema.js";

/** GatewayDatabaseConfig is the slice of the gateway's config that locates its database. */
export interface GatewayDatabaseConfig {
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly dbPoolMax: number;
  readonly dbStatementTimeoutMs: number;
}

/**
 * openGatewayDatabase opens the gateway's database the way the platform
 * opens a service's (platform/db): Postgres at DATABASE_URL, shared by
 * every gateway instance, else embedded PGlite under DATA_DIR/gateway (one
 * process only: give each local gateway its own DATA_DIR). It applies the
 * gateway's migrations (the `gateway` schema) before returning.
 */
export async function openGatewayDatabase(
  config: GatewayDatabaseConfig,
  deps: {
    readonly logger?: { debug(obj: object, msg?: string): void };
    readonly metrics?: Registry;
  },
): Promise<Database<typeof schema>> {
  const database = await createDatabase({
    url: config.databaseUrl,
    dataDir: join(config.dataDir, "gateway"),
    schema,
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    applicationName: "gateway",
    logger: deps.logger,
    metrics: deps.metrics,
  });
  try {
    await runMigrations(database as Database, migrationsFolder, { service: "gateway" });
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
