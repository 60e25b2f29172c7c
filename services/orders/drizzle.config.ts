import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit config of the orders service. `generate` diffs the schema
 * file against the committed snapshots only, so it needs no live database:
 *
 *   npx drizzle-kit generate --config services/orders/drizzle.config.ts --name <change>
 *
 * Paths are relative to the repository root, where drizzle-kit is run.
 * `schemaFilter` keeps the service to its own Postgres schema. The migration
 * journal is `drizzle.orders_migrations`, as `runMigrations(…, { service:
 * "orders" })` names it: not inside `orders`, because the first migration
 * creates that schema and would fail if the journal had created it already.
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./services/orders/db/schema.ts",
  out: "./services/orders/db/migrations",
  schemaFilter: ["orders"],
  migrations: { schema: "drizzle", table: "orders_migrations" },
  strict: true,
  verbose: true,
});
