import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderStatus } from "../../gen/orders/v1/order_pb.js";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { runMigrations } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { createInMemoryTransport } from "../../platform/rpc/create-in-memory-transport.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import * as identity from "../identity/index.js";
import * as schema from "./db/schema.js";
import { migrationsFolder } from "./index.js";
import { createOrderStore } from "./order-store.js";
import { createOrderService } from "./service.js";

let ordersDb: TestDatabase<typeof schema>;
let identityDb: TestDatabase<typeof identity.identitySchema>;
let orders: Client<typeof OrderService>;
let users: Client<typeof UserService>;
let userId: string;

beforeAll(async () => {
  ordersDb = await createTestDatabase(schema);
  identityDb = await createTestDatabase(identity.identitySchema);
  await runMigrations(ordersDb, migrationsFolder, { service: "orders" });
  await runMigrations(identityDb, identity.migrationsFolder, { service: "identity" });
  const identityImpl = identity.createUserService({
    store: identity.createUserStore(identityDb.db),
  });
  const identityRegistration = registerService(UserService, identityImpl);
  // orders calls identity as the "orders" workload; tests call both as the gateway.
  const asOrders = createClient(
    UserService,
    createInMemoryTransport([identityRegistration], { caller: "orders" }),
  );
  users = createClient(
    UserService,
    createInMemoryTransport([identityRegistration], { caller: "gateway" }),
  );
  const impl = createOrderService({ store: createOrderStore(ordersDb.db), users: asOrders });
  orders = createClient(
    OrderService,
    createInMemoryTransport([registerService(OrderService, impl)], { caller: "gateway" }),
  );
  userId = (await users.createUser({ email: "buyer@example.com", displayName: "Buyer" })).user!
    .userId;
});
afterAll(async () => {
  await ordersDb.drop();
  await identityDb.drop();
});

const items = [
  { sku: "book-1", quantity: 2, unitPriceCents: 1999n },
  { sku: "pen", quantity: 1, unitPriceCents: 250n },
];

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  return call.then(
    () => undefined,
    (e) => ConnectError.from(e).code,
  );
}

async function outboxTypes(): Promise<string[]> {
  const rows = await ordersDb.db.select({ type: schema.outbox.type }).from(schema.outbox);
  return rows.map((r) => r.type);
}

describe("OrderService", () => {
  it("places a PENDING order with its total, and records OrderCreated in the same transaction", async () => {
    const before = (await outboxTypes()).length;
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    expect(order).toMatchObject({
      userId,
      status: OrderStatus.PENDING,
      totalCents: 4248n,
      currency: "EUR",
      version: 1n,
    });
    expect((await outboxTypes()).slice(before)).toEqual(["orders.order.created"]);
    expect((await orders.getOrder({ orderId: order!.orderId })).order).toEqual(order);
  });

  it("refuses an order for a user identity does not know, writing nothing", async () => {
    const before = (await outboxTypes()).length;
    const missing = "01930000-0000-7000-8000-000000000000";
    expect(await codeOf(orders.createOrder({ userId: missing, items, currency: "EUR" }))).toBe(
      Code.NotFound,
    );
    expect((await outboxTypes()).length).toBe(before);
  });

  it("returns the first order when a create is retried with the same request_id", async () => {
    const requestId = crypto.randomUUID();
    const before = (await outboxTypes()).length;
    const first = await orders.createOrder({ userId, items, currency: "EUR", requestId });
    const again = await orders.createOrder({ userId, items, currency: "EUR", requestId });
    expect(again.order?.orderId).toBe(first.order?.orderId);
    expect((await outboxTypes()).length).toBe(before + 1);
  });

  it("moves an order along its life cycle with optimistic locking", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const orderId = order!.orderId;
    const confirmed = await orders.updateOrderStatus({
      orderId,
      status: OrderStatus.CONFIRMED,
      version: 1n,
    });
    expect(confirmed.order).toMatchObject({ status: OrderStatus.CONFIRMED, version: 2n });
    expect(
      await codeOf(orders.updateOrderStatus({ orderId, status: OrderStatus.SHIPPED, version: 1n })),
    ).toBe(Code.Aborted);
    expect(
      await codeOf(
        orders.updateOrderStatus({ orderId, status: OrderStatus.DELIVERED, version: 2n }),
      ),
    ).toBe(Code.FailedPrecondition);
    await orders.updateOrderStatus({ orderId, status: OrderStatus.SHIPPED, version: 2n });
    expect(await codeOf(orders.cancelOrder({ orderId }))).toBe(Code.FailedPrecondition);
    expect(
      (await outboxTypes()).filter((t) => t === "orders.order.status_changed").length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("cancels a pending order", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const { order: cancelled } = await orders.cancelOrder({ orderId: order!.orderId, version: 1n });
    expect(cancelled?.status).toBe(OrderStatus.CANCELLED);
  });

  it("pages through a user's orders without repeats while orders are being added", async () => {
    const { user } = await users.createUser({ email: "pager@example.com", displayName: "Pager" });
    const owner = user!.userId;
    const existing = new Set<string>();
    for (let i = 0; i < 7; i++)
      existing.add(
        (await orders.createOrder({ userId: owner, items, currency: "EUR" })).order!.orderId,
      );
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = await orders.listOrders({ userId: owner, limit: 3, cursor });
      seen.push(...page.data.map((o) => o.orderId));
      cursor = page.nextCursor;
      await orders.createOrder({ userId: owner, items, currency: "EUR" });
    } while (cursor !== "");
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen).toContain(id);
  });

  it("rejects requests that break the proto's rules", async () => {
    expect(await codeOf(orders.createOrder({ userId, items: [], currency: "EUR" }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(orders.createOrder({ userId, items, currency: "eur" }))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(
        orders.createOrder({
          userId,
          items: [{ sku: "x", quantity: 0, unitPriceCents: 1n }],
          currency: "EUR",
        }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        orders.updateOrderStatus({
          orderId: crypto.randomUUID(),
          status: OrderStatus.UNSPECIFIED,
          version: 1n,
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });
});
