export {
  type AppDatabase,
  type AppTransaction,
  createDatabase,
  type Database,
  type DatabaseLogger,
  type DatabaseOptions,
  type DedicatedConnection,
} from "./create-database.js";
export { errorCodeOf } from "./error-code.js";
export { type DbErrorMessages, mapDbError } from "./map-db-error.js";
export { memoryDataDir } from "./pglite-database.js";
export { type MigrationOptions, migrationsSchema, runMigrations } from "./run-migrations.js";
export { type QueryTracing, statementsUnder, traceQueries } from "./trace-queries.js";
export { type TransactionOptions, withTransaction } from "./with-transaction.js";
