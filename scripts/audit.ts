/**
 * audit: verifies each service's tamper-evident audit log
 * (`npm run audit -- verify [--service orders] [--anchor <seq>:<hash>]`),
 * in Postgres when DATABASE_URL is set, else in each service's embedded
 * PGlite under DATA_DIR/<service> (stop that service first: PGlite files
 * belong to one process). Prints one line per service, plus a WARN line
 * when rows have waited over a minute to be sealed (its sealer is not
 * running); exits 0 when every chain is intact, 1 when one is broken or
 * cannot be read, 2 on bad usage.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  AuditUsageError,
  auditUsage,
  formatAuditReport,
  parseAuditArgs,
} from "../platform/audit/audit-command.js";
import { type AuditAnchor, type AuditTable, verifyAuditChain } from "../platform/audit/index.js";
import { dataSettings, defineConfig, loadConfigOrExit } from "../platform/config/index.js";
import { type AppDatabase, createDatabase } from "../platform/db/index.js";
import { identitySchema } from "../services/identity/index.js";
import { ordersSchema } from "../services/orders/index.js";

// Every service that keeps an audit log: add a line when another one does.
const auditLogs: Readonly<Record<string, AuditTable>> = {
  identity: identitySchema.auditLog,
  orders: ordersSchema.auditLog,
};

// The same DATABASE_URL and DATA_DIR as the services read.
const { databaseUrl, dataDir } = dataSettings();
const config = loadConfigOrExit(
  defineConfig({
    databaseUrl,
    dataDir,
  }),
);

function parseOrExit() {
  try {
    return parseAuditArgs(process.argv.slice(2), Object.keys(auditLogs));
  } catch (err) {
    if (!(err instanceof AuditUsageError)) throw err;
    console.error(`audit: ${err.message}\n\n${auditUsage}`);
    process.exit(2);
  }
}

// One line per service, and whether its chain is intact. An unreadable
// table (not migrated, no connection) is a failure too, never a silent ok.
async function verify(service: string, anchor: AuditAnchor | undefined): Promise<boolean> {
  try {
    const report = await withDatabase(service, (db) =>
      verifyAuditChain(db, auditLogs[service]!, { anchor }),
    );
    console.log(formatAuditReport(service, report));
    return report.ok;
  } catch (err) {
    console.log(`${service}: ERROR: cannot read its audit log (${messageOf(err)})`);
    return false;
  }
}

// Verifying must not create an empty embedded database where none was.
async function withDatabase<T>(service: string, fn: (db: AppDatabase) => Promise<T>): Promise<T> {
  const dataDir = join(config.dataDir, service);
  if (config.databaseUrl === undefined && !existsSync(dataDir)) {
    throw new Error(`no embedded database at ${dataDir}: set DATABASE_URL or DATA_DIR`);
  }
  const database = await createDatabase({
    url: config.databaseUrl,
    dataDir,
    schema: {},
    poolMax: 1,
    applicationName: `${service}-audit`,
  });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

// The message alone says enough for an operator (the URL is never echoed:
// it may carry credentials); drizzle wraps the driver's error as `cause`.
function messageOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

const command = parseOrExit();
let intact = true;
for (const service of command.services) {
  intact = (await verify(service, command.anchor)) && intact;
}
process.exitCode = intact ? 0 : 1;
