/**
 * migrate: applies every service's committed migrations (`npm run migrate`),
 * to Postgres when DATABASE_URL is set, else to each service's embedded
 * PGlite under DATA_DIR/<service>. Safe to run while services start, or from
 * several deploy jobs at once: runMigrations serializes on an advisory lock.
 * Exits non-zero on the first failure, leaving that service's database as it
 * was (its pending migrations run in one transaction).
 */
import { join } from "node:path";
import { dataSettings, defineConfig, loadConfigOrExit } from "../platform/config/index.js";
import { createDatabase, runMigrations } from "../platform/db/index.js";
import { migrationsFolder as identityMigrations } from "../services/identity/index.js";
import { migrationsFolder as ordersMigrations } from "../services/orders/index.js";

/** ServiceMigrations names one service's journal and migration folder. */
interface ServiceMigrations {
  readonly service: string;
  readonly migrationsFolder: string;
}

// Every service with a database, in no particular order: services never
// share tables, so their migrations are independent.
const services: readonly ServiceMigrations[] = [
  { service: "identity", migrationsFolder: identityMigrations },
  { service: "orders", migrationsFolder: ordersMigrations },
];

// The same DATABASE_URL and DATA_DIR as the services read.
const { databaseUrl, dataDir } = dataSettings();
const config = loadConfigOrExit(
  defineConfig({
    databaseUrl,
    dataDir,
  }),
);

async function migrate({ service, migrationsFolder }: ServiceMigrations): Promise<void> {
  const database = await createDatabase({
    url: config.databaseUrl,
    dataDir: join(config.dataDir, service),
    schema: {},
    poolMax: 1,
    applicationName: `${service}-migrate`,
  });
  try {
    await runMigrations(database, migrationsFolder, { service });
    console.log(`migrate: ${service} is up to date (${database.kind})`);
  } finally {
    await database.close();
  }
}

try {
  for (const service of services) await migrate(service);
} catch (error) {
  console.error("migrate: failed", error);
  process.exitCode = 1;
}
