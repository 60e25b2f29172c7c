import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createAuditTable } from "../../../platform/audit/audit-table.js";
import { createOutboxTable } from "../../../platform/events/outbox.js";

/** orders is the Postgres schema the orders service owns. */
export const ordersSchema = pgSchema("orders");

/** StoredItem is one order line as kept in the `items` column. */
export interface StoredItem {
  readonly sku: string;
  readonly quantity: number;
  /** Cents, as a decimal string: JSON has no 64-bit integers. */
  readonly unitPriceCents: string;
}

/**
 * orders holds one row per order. Items are immutable after creation and
 * always read with their order, so they live in a jsonb column rather than
 * a second table. `status` is the proto enum's name without its prefix
 * ("PENDING"), readable in psql. `request_id` makes CreateOrder retries safe.
 */
export const orders = ordersSchema.table(
  "orders",
  {
    orderId: uuid("order_id").primaryKey(),
    userId: uuid("user_id").notNull(),
    requestId: uuid("request_id"),
    status: text("status").notNull(),
    items: jsonb("items").$type<StoredItem[]>().notNull(),
    totalCents: bigint("total_cents", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    createTime: timestamp("create_time", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
    updateTime: timestamp("update_time", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
    version: bigint("version", { mode: "bigint" }).notNull().default(sql`1`),
  },
  (table) => [
    // ListOrders walks one user's orders in id order (UUIDv7: creation order).
    index("orders_user_id_order_id_idx").on(table.userId, table.orderId),
    uniqueIndex("orders_user_id_request_id_key")
      .on(table.userId, table.requestId)
      .where(sql`${table.requestId} is not null`),
  ],
);

/** OrderRow is one row of {@link orders}. */
export type OrderRow = typeof orders.$inferSelect;

/** outbox holds the events written with each change, until the relay publishes them. */
export const outbox = createOutboxTable(ordersSchema);

/**
 * auditLog records who changed which order (created, status changed,
 * cancelled), hash-chained and append-only; see docs/operating.md.
 */
export const auditLog = createAuditTable(ordersSchema);
