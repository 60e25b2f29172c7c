import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit config of the gateway's own tables. `generate` diffs the
 * schema file against the committed snapshots only, so it needs no live
 * database:
 *
 *   npx drizzle-kit generate --config gateway/db/drizzle.config.ts --name <change>
 *
 * Paths are relative to the repository root. The journal is
 * `drizzle.gateway_migrations`, as `runMigrations(…, { service: "gateway" })`
 * names it, outside the `gateway` schema the first migration creates.
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./gateway/db/schema.ts",
  out: "./gateway/db/migrations",
  schemaFilter: ["gateway"],
  migrations: { schema: "drizzle", table: "gateway_migrations" },
  strict: true,
  verbose: true,
});
