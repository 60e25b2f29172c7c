import { createClient } from "@connectrpc/connect";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { createUpstreamTransport } from "../../platform/client/index.js";
import { upstreamUrl } from "../../platform/config/index.js";
import { eventStream } from "../../platform/events/topology.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { defineService } from "../../platform/service/index.js";
import * as schema from "./db/schema.js";
import { migrationsFolder } from "./index.js";
import { createOrderStore } from "./order-store.js";
import { createOrderService } from "./service.js";

/**
 * ordersService runs orders: it publishes OrderCreated and
 * OrderStatusChanged from its outbox to the EVENTS_ORDERS stream, and calls
 * identity (as the `orders` workload, which identity's GetUser policy admits)
 * through a resilient transport: retries for idempotent RPCs, a circuit breaker.
 */
export const ordersService = defineService({
  name: "orders",
  ports: { rpcPort: 50052, adminPort: 9052 },
  database: { schema, migrationsFolder },
  events: { streams: [eventStream("orders")], outbox: schema.outbox },
  audit: { table: schema.auditLog },
  create: ({ config, database, tls, notifyEvents, onStop, status }) => {
    const identity = createUpstreamTransport({
      upstream: "identity",
      baseUrl: upstreamUrl(config.upstreams, "identity"),
      tls,
      defaultTimeoutMs: 2_000,
    });
    onStop(() => identity.close());
    status.registerUpstream("identity", identity);
    const store = createOrderStore(database.db, { onEvent: notifyEvents });
    const users = createClient(UserService, identity);
    return [registerService(OrderService, createOrderService({ store, users }))];
  },
});
