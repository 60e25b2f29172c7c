import { createClient } from "@connectrpc/connect";
import { UserService } from "../../../gen/identity/v1/user_service_pb.js";
import { OrderService } from "../../../gen/orders/v1/order_service_pb.js";
import { createUpstreamTransport } from "../../../platform/client/index.js";
import { upstreamUrl } from "../../../platform/config/index.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import { registerService } from "../../../platform/rpc/service-registration.js";
import { defineService } from "../../../platform/service/index.js";
import type * as schema from "../db/schema.js";
import { createOrderStore, type OrderStore } from "../order-store.js";
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
  audit: ordersService.audit,
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
 * createOrderStoreWithoutEvents is the production store with events
 * recorded nowhere: same transactions, request_id handling and error
 * mapping, so the difference measured is the outbox row and what publishes it.
 */
export function createOrderStoreWithoutEvents(db: Db): OrderStore {
  return createOrderStore(db, { recordEvent: async () => {} });
}
