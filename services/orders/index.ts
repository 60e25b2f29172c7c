import { fileURLToPath } from "node:url";

export * as ordersSchema from "./db/schema.js";
export { createOrderStore, type NewOrder, type OrderPage, type OrderStore } from "./order-store.js";
export { createOrderService, type OrderServiceDeps } from "./service.js";

/** migrationsFolder is the absolute path of the orders service's committed migrations. */
export const migrationsFolder = fileURLToPath(new URL("./db/migrations", import.meta.url));
