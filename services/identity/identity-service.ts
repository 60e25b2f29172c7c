import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { eventStream } from "../../platform/events/topology.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { defineService } from "../../platform/service/index.js";
import { orderCountSubscription } from "./consumers/order-count.js";
import * as schema from "./db/schema.js";
import { migrationsFolder } from "./index.js";
import { createUserService } from "./service.js";
import { createUserStore } from "./user-store.js";

/**
 * identityService tells the platform how to run identity: its mTLS name,
 * default ports, tables and migrations, and the RPC implementations.
 */
export const identityService = defineService({
  name: "identity",
  ports: { rpcPort: 50051, adminPort: 9051 },
  database: { schema, migrationsFolder },
  // identity reads orders' stream to keep each user's order_count.
  events: {
    streams: [eventStream("orders")],
    subscriptions: (db) => [orderCountSubscription(db)],
  },
  create: ({ database }) => [
    registerService(UserService, createUserService({ store: createUserStore(database.db) })),
  ],
});
