import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit config of the events tests' stand-in service, generated the
 * way a service generates its own (see services/identity/drizzle.config.ts):
 *
 *   npx drizzle-kit generate --config test/events/drizzle.config.ts --name <change>
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./test/events/db/schema.ts",
  out: "./test/events/db/migrations",
  schemaFilter: ["shop"],
  migrations: { schema: "drizzle", table: "shop_migrations" },
  strict: true,
  verbose: true,
});
