import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderStatus } from "../../gen/orders/v1/order_pb.js";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { verifyAuditChain } from "../../platform/audit/verify-audit-chain.js";
import { errorCodeOf } from "../../platform/db/error-code.js";
import { runMigrations } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { createInMemoryTransport } from "../../platform/rpc/create-in-memory-transport.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { actingAs } from "../../test/support/acting-as.js";
import { createTestAuthenticator } from "../../test/support/test-authenticator.js";
import { ADMIN_SUBJECT, adminHeaders, testUserOf } from "../../test/support/test-users.js";
import * as identity from "../identity/index.js";
import * as schema from "./db/schema.js";
import { migrationsFolder } from "./index.js";
import { createOrderStore } from "./order-store.js";
import { createOrderService } from "./service.js";

let ordersDb: TestDatabase<typeof schema>;
let identityDb: TestDatabase<typeof identity.identitySchema>;
// Tests call as the gateway, acting for the buyer (`orders`) or for an
// operator with the admin scope (`adminOrders`: UpdateOrderStatus).
let orders: Client<typeof OrderService>;
let adminOrders: Client<typeof OrderService>;
let users: Client<typeof UserService>;
let userId: string;
let certsDir: string;
let ordersTransport: Transport;

async function ordersAs(user: string): Promise<Client<typeof OrderService>> {
  return createClient(
    OrderService,
    actingAs(ordersTransport, (await testUserOf(certsDir, user)).headers),
  );
}

beforeAll(async () => {
  ordersDb = await createTestDatabase(schema);
  identityDb = await createTestDatabase(identity.identitySchema);
  await runMigrations(ordersDb, migrationsFolder, { service: "orders" });
  await runMigrations(identityDb, identity.migrationsFolder, { service: "identity" });
  certsDir = mkdtempSync(join(tmpdir(), "pp-orders-test-"));
  const authenticator = await createTestAuthenticator(certsDir);
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
    actingAs(
      createInMemoryTransport([identityRegistration], { caller: "gateway", authenticator }),
      await adminHeaders(certsDir),
    ),
  );
  const impl = createOrderService({ store: createOrderStore(ordersDb.db), users: asOrders });
  ordersTransport = createInMemoryTransport([registerService(OrderService, impl)], {
    caller: "gateway",
    authenticator,
  });
  userId = (await users.createUser({ email: "buyer@example.com", displayName: "Buyer" })).user!
    .userId;
  orders = await ordersAs(userId);
  adminOrders = createClient(OrderService, actingAs(ordersTransport, await adminHeaders(certsDir)));
});
afterAll(async () => {
  rmSync(certsDir, { recursive: true, force: true });
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

async function auditOf(orderId: string) {
  const rows = await ordersDb.db
    .select()
    .from(schema.auditLog)
    .where(eq(schema.auditLog.target, `order:${orderId}`))
    // Insertion order: no sealer runs here, so seq is still unset.
    .orderBy(asc(schema.auditLog.id));
  return rows.map(({ actor, action, outcome, details, requestId }) => ({
    actor,
    action,
    outcome,
    details,
    requestId: typeof requestId,
  }));
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
    // A valid token for a user identity does not know (e.g. one deleted since).
    const stranger = await ordersAs(missing);
    expect(await codeOf(stranger.createOrder({ userId: missing, items, currency: "EUR" }))).toBe(
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
    const confirmed = await adminOrders.updateOrderStatus({
      orderId,
      status: OrderStatus.CONFIRMED,
      version: 1n,
    });
    expect(confirmed.order).toMatchObject({ status: OrderStatus.CONFIRMED, version: 2n });
    expect(
      await codeOf(
        adminOrders.updateOrderStatus({ orderId, status: OrderStatus.SHIPPED, version: 1n }),
      ),
    ).toBe(Code.Aborted);
    expect(
      await codeOf(
        adminOrders.updateOrderStatus({ orderId, status: OrderStatus.DELIVERED, version: 2n }),
      ),
    ).toBe(Code.FailedPrecondition);
    await adminOrders.updateOrderStatus({ orderId, status: OrderStatus.SHIPPED, version: 2n });
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
    const ownerOrders = await ordersAs(owner);
    const existing = new Set<string>();
    for (let i = 0; i < 7; i++)
      existing.add(
        (await ownerOrders.createOrder({ userId: owner, items, currency: "EUR" })).order!.orderId,
      );
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = await ownerOrders.listOrders({ userId: owner, limit: 3, cursor });
      seen.push(...page.data.map((o) => o.orderId));
      cursor = page.nextCursor;
      await ownerOrders.createOrder({ userId: owner, items, currency: "EUR" });
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
        adminOrders.updateOrderStatus({
          orderId: crypto.randomUUID(),
          status: OrderStatus.UNSPECIFIED,
          version: 1n,
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });
});

describe("OrderService object-level authorization (OWASP API1)", () => {
  const messageOf = (call: Promise<unknown>, id: string) =>
    call.then(
      () => "answered",
      (e) => `${ConnectError.from(e).code} ${ConnectError.from(e).rawMessage.replace(id, "<id>")}`,
    );

  it("answers another user's order and orders exactly as missing ones, changing nothing", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const orderId = order!.orderId;
    const missing = crypto.randomUUID();
    const other = await ordersAs(crypto.randomUUID());
    const notFound = await messageOf(other.getOrder({ orderId: missing }), missing);
    expect(notFound).toBe(`${Code.NotFound} order <id> not found`);
    expect(await messageOf(other.getOrder({ orderId }), orderId)).toBe(notFound);
    expect(await messageOf(other.cancelOrder({ orderId }), orderId)).toBe(notFound);
    expect(await codeOf(other.listOrders({ userId }))).toBe(Code.NotFound);
    expect(await codeOf(other.createOrder({ userId, items, currency: "EUR" }))).toBe(Code.NotFound);
    expect((await orders.getOrder({ orderId })).order).toEqual(order);
  });

  it("lets the admin scope read any user's orders, but not cancel or place them", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const orderId = order!.orderId;
    expect((await adminOrders.getOrder({ orderId })).order).toEqual(order);
    expect((await adminOrders.listOrders({ userId, limit: 100 })).data).toContainEqual(order);
    expect(await codeOf(adminOrders.cancelOrder({ orderId }))).toBe(Code.NotFound);
    expect(await codeOf(adminOrders.createOrder({ userId, items, currency: "EUR" }))).toBe(
      Code.NotFound,
    );
    expect((await orders.getOrder({ orderId })).order?.status).toBe(OrderStatus.PENDING);
  });
});

describe("OrderService audit log", () => {
  it("records who created, changed and cancelled an order, in a valid chain", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const orderId = order!.orderId;
    await adminOrders.updateOrderStatus({ orderId, status: OrderStatus.CONFIRMED, version: 1n });
    await orders.cancelOrder({ orderId, version: 2n });
    // Each row names the end user the call acted for: the buyer, then the operator.
    const by = { actor: `user:${userId}`, outcome: "success", requestId: "string" };
    expect(await auditOf(orderId)).toEqual([
      { ...by, action: "order.created", details: { user_id: userId, status: "PENDING" } },
      {
        ...by,
        actor: `user:${ADMIN_SUBJECT}`,
        action: "order.status_changed",
        details: { from: "PENDING", to: "CONFIRMED", version: "2" },
      },
      {
        ...by,
        action: "order.cancelled",
        details: { from: "CONFIRMED", to: "CANCELLED", version: "3" },
      },
    ]);
    expect(await verifyAuditChain(ordersDb.db, schema.auditLog)).toMatchObject({ ok: true });
  });

  it("gives each event the request id its audit row names", async () => {
    const { order } = await orders.createOrder({ userId, items, currency: "EUR" });
    const orderId = order!.orderId;
    await orders.cancelOrder({ orderId, version: 1n });
    const audited = await ordersDb.db
      .select({ requestId: schema.auditLog.requestId })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.target, `order:${orderId}`))
      .orderBy(asc(schema.auditLog.id));
    const events = await ordersDb.db
      .select({ headers: schema.outbox.headers })
      .from(schema.outbox)
      .where(sql`${schema.outbox.headers}->>'Pp-Subject-Key' = ${orderId}`)
      .orderBy(asc(schema.outbox.createdAt));
    expect(audited.map((row) => row.requestId)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    expect(events.map((row) => row.headers["x-request-id"])).toEqual(
      audited.map((row) => row.requestId),
    );
  });

  it("records nothing for a refused change or a retried create", async () => {
    const requestId = crypto.randomUUID();
    const { order } = await orders.createOrder({ userId, items, currency: "EUR", requestId });
    const orderId = order!.orderId;
    await orders.createOrder({ userId, items, currency: "EUR", requestId });
    expect(
      await codeOf(
        adminOrders.updateOrderStatus({ orderId, status: OrderStatus.DELIVERED, version: 1n }),
      ),
    ).toBe(Code.FailedPrecondition);
    expect((await auditOf(orderId)).map((row) => row.action)).toEqual(["order.created"]);
  });

  it("keeps orders.audit_log append-only in the database", async () => {
    const refused = await ordersDb.db
      .execute(sql`delete from orders.audit_log`)
      .then(() => undefined, errorCodeOf);
    expect(refused).toBe("42501");
  });
});
