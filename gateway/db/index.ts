import { fileURLToPath } from "node:url";

export * as gatewaySchema from "./schema.js";

/**
 * migrationsFolder is the absolute path of the gateway's committed
 * drizzle-kit migrations, for `runMigrations(database, migrationsFolder,
 * { service: "gateway" })`.
 */
export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
