import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { and, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { UserService } from "../../../gen/identity/v1/user_service_pb.js";
import { OrderStatus } from "../../../gen/orders/v1/order_pb.js";
import { OrderService } from "../../../gen/orders/v1/order_service_pb.js";
import { createUpstreamTransport } from "../../../platform/client/index.js";
import { upstreamUrl } from "../../../platform/config/index.js";
import { type AppDatabase, mapDbError, withTransaction } from "../../../platform/db/index.js";
import { registerService } from "../../../platform/rpc/service-registration.js";
import { defineService } from "../../../platform/service/index.js";
import type * as schema from "../db/schema.js";
import { type OrderRow, orders } from "../db/schema.js";
import { statusName } from "../domain/order-status.js";
import { orderTotal } from "../domain/order-total.js";
import { toStoredItems } from "../order-message.js";
import { createOrderStore, type NewOrder, type OrderStore } from "../order-store.js";
import { ordersService } from "../orders-service.js";
import { createOrderService } from "../service.js";

type Db = AppDatabase<typeof schema>;

/**
 * ordersWithoutEvents is the benchmark's baseline: orders exactly as
 * {@link ordersService} runs it (same name and certificate, same tables and
 * migrations, same identity client, same handlers), except that CreateOrder
 * records no event and no relay runs. Never deploy it: an order placed here
 * is invisible to every consumer.
 */
export const ordersWithoutEvents = defineService({
  name: ordersService.name,
  ports: ordersService.ports,
  database: ordersService.database,
  create: ({ config, database, tls, onStop }) => {
    const identity = createUpstreamTransport({
      upstream: "identity",
      baseUrl: upstreamUrl(config.upstreams, "identity"),
      tls,
      defaultTimeoutMs: 2_000,
    });
    onStop(() => identity.close());
    const store = createOrderStoreWithoutEvents(database.db);
    const users = createClient(UserService, identity);
    return [registerService(OrderService, createOrderService({ store, users }))];
  },
});

/**
 * createOrderStoreWithoutEvents is the production store with `create`
 * replaced by the same transaction minus its `writeEvent`: the insert,
 * the request_id conflict handling and the error mapping are unchanged, so
 * the difference measured is the outbox row and what publishes it.
 */
export function createOrderStoreWithoutEvents(db: Db): OrderStore {
  return {
    ...createOrderStore(db),
    async create(order) {
      try {
        return await insertOrder(db, order);
      } catch (err) {
        throw mapDbError(err);
      }
    },
  };
}

async function insertOrder(db: Db, order: NewOrder): Promise<OrderRow> {
  const created = await withTransaction(db, async (tx) => {
    const [row] = await tx
      .insert(orders)
      .values({
        orderId: uuidv7(),
        userId: order.userId,
        requestId: order.requestId === "" ? null : order.requestId,
        status: statusName(OrderStatus.PENDING),
        items: toStoredItems(order.items),
        totalCents: orderTotal(order.items),
        currency: order.currency,
      })
      .onConflictDoNothing()
      .returning();
    return row;
  });
  if (created !== undefined) return created;
  const [first] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, order.userId), eq(orders.requestId, order.requestId)));
  if (first === undefined)
    throw new ConnectError(`order ${order.requestId} not found`, Code.NotFound);
  return first;
}
