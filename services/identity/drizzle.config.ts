import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit config of the identity service. `generate` diffs the schema
 * file against the committed snapshots only, so it needs no live database:
 *
 *   npx drizzle-kit generate --config services/identity/drizzle.config.ts --name <change>
 *
 * Paths are relative to the repository root, where drizzle-kit is run.
 * `schemaFilter` keeps the service to its own Postgres schema. The migration
 * journal is `drizzle.identity_migrations`, as `runMigrations(…, { service:
 * "identity" })` names it: not inside `identity`, because the first migration
 * creates that schema and would fail if the journal had created it already.
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./services/identity/db/schema.ts",
  out: "./services/identity/db/migrations",
  schemaFilter: ["identity"],
  migrations: { schema: "drizzle", table: "identity_migrations" },
  strict: true,
  verbose: true,
});
