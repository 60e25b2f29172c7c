import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { createFastGrpcTransport } from "../../platform/client/index.js";
import type { EventBroker } from "../../platform/events/broker.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";
import { ordersService } from "../../services/orders/orders-service.js";

const scratch = mkdtempSync(join(tmpdir(), "pp-orders-"));
const certsDir = join(scratch, "certs");
let broker: EventBroker;
let identity: RunningService;
let orders: RunningService;

function env(service: string, extra: Record<string, string> = {}) {
  return { RPC_PORT: "0", ADMIN_PORT: "0", CERTS_DIR: certsDir, DATA_DIR: join(scratch, service), LOG_LEVEL: "silent", ...extra };
}

beforeAll(async () => {
  // Both services in this process share the in-process broker, as `npm start` does.
  broker = createMemoryBroker({});
  identity = await startService(identityService, env("identity"), { broker });
  orders = await startService(ordersService, env("orders", { UPSTREAMS: `identity=https://127.0.0.1:${identity.rpcPort}` }), { broker });
});
afterAll(async () => {
  await orders?.stop();
  await identity?.stop();
  await broker?.close();
});

async function clients() {
  const tls = await ensureServiceCert(certsDir, { service: "gateway" });
  return {
    users: createClient(UserService, createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${identity.rpcPort}`, tls })),
    orders: createClient(OrderService, createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${orders.rpcPort}`, tls })),
  };
}

describe("orders and identity over mTLS and events", () => {
  it("places orders for a user that identity knows, and identity counts them from the events", async () => {
    const { users, orders: ordersClient } = await clients();
    const { user } = await users.createUser({ email: "loop@example.com", displayName: "Loop" });
    for (let i = 0; i < 3; i++) {
      await ordersClient.createOrder({ userId: user!.userId, items: [{ sku: "a", quantity: 1, unitPriceCents: 100n }], currency: "EUR" });
    }
    await expect
      .poll(async () => (await users.getUser({ userId: user!.userId })).user?.orderCount, { timeout: 10_000 })
      .toBe(3n);
  });

  it("refuses an order for an unknown user, asking identity over mTLS", async () => {
    const { orders: ordersClient } = await clients();
    const err = await ordersClient
      .createOrder({ userId: crypto.randomUUID(), items: [{ sku: "a", quantity: 1, unitPriceCents: 1n }], currency: "EUR" })
      .catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });
});
