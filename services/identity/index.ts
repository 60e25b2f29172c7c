import { fileURLToPath } from "node:url";

export * as identitySchema from "./db/schema.js";
export { createUserService, type UserServiceDeps } from "./service.js";
export { createUserStore, type NewUser, type UserPage, type UserStore } from "./user-store.js";

/**
 * migrationsFolder is the absolute path of the identity service's committed
 * drizzle-kit migrations, for `runMigrations(database, migrationsFolder,
 * { service: "identity" })`.
 */
export const migrationsFolder = fileURLToPath(new URL("./db/migrations", import.meta.url));
