import { execFile } from "node:child_process";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderCreatedSchema } from "../../gen/orders/v1/events_pb.js";
import type { ConsumerHandle, DeadLetter, EventBroker } from "../../platform/events/broker.js";
import { decodeEvent } from "../../platform/events/event-envelope.js";
import { createNatsBroker } from "../../platform/events/nats-broker.js";
import { subscribe } from "../../platform/events/subscribe.js";
import { defineConsumer, defineTopology, eventStream } from "../../platform/events/topology.js";
import { processedEvents, widgets } from "../events/db/schema.js";
import { openShopDatabase, type ShopDatabase } from "../events/shop-fixture.js";
import { hasNatsServer, type PrivateNats, startPrivateNats } from "../support/private-nats.js";
import { runAll } from "../support/run-all.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { adminHeaders, testUserOf } from "../support/test-users.js";

const items = [{ sku: "dlq-1", quantity: 1, unitPriceCents: 900n }];

// A second consumer of orders' OrderCreated next to identity's, as a billing
// service would run it: few, quick attempts, so the test sees the dead letter soon.
const billing = defineConsumer({
  durable: "billing-order-created",
  stream: "EVENTS_ORDERS",
  filterSubject: "orders.order.created.v1",
  maxDeliver: 3,
  backoffMs: [50, 100],
  ackWaitMs: 5_000,
});

/**
 * identity and orders on a private JetStream server, plus a stand-in billing
 * service (the events tests' `shop` schema as its database) whose handler
 * fails for one user's orders until it is fixed. Databases are PGlite, or
 * fresh Postgres ones when TEST_DATABASE_URL is set.
 */
describe.skipIf(!hasNatsServer)("a poison event on a real subscription", () => {
  let nats: PrivateNats;
  let platform: OrdersPlatform;
  let billingDb: ShopDatabase;
  let broker: EventBroker;
  let subscription: ConsumerHandle;
  const runs = new Map<string, number>();
  const poison = { userId: "", orderId: "", fixed: false };
  let letter: DeadLetter;

  beforeAll(async () => {
    nats = await startPrivateNats();
    platform = await startOrdersPlatform({ natsUrl: nats.url });
    billingDb = await openShopDatabase();
    broker = await createNatsBroker({ url: nats.url, name: "billing" });
    await broker.ensureTopology(
      defineTopology({ streams: [eventStream("orders")], consumers: [billing] }),
    );
    subscription = subscribe(broker, {
      consumer: billing,
      schema: OrderCreatedSchema,
      db: billingDb.db,
      processed: processedEvents,
      async handler(event, _envelope, tx) {
        const order = event.order!;
        runs.set(order.orderId, (runs.get(order.orderId) ?? 0) + 1);
        if (order.userId === poison.userId && !poison.fixed) {
          throw new Error(`no payment method for user ${order.userId}`);
        }
        await tx.insert(widgets).values({ widgetId: order.orderId, shipped: 1 });
      },
    });
  });
  afterAll(() =>
    runAll(
      () => subscription?.stop(),
      () => broker?.close(),
      () => platform?.stop(),
      () => billingDb?.drop(),
      () => nats?.dispose(),
    ),
  );

  const billed = async (orderId: string) =>
    (await billingDb.db.select().from(widgets).where(eq(widgets.widgetId, orderId)))[0]?.shipped;
  // Users are created and read by an admin; each places orders with their own token.
  const asAdmin = async () => ({ headers: await adminHeaders(platform.certsDir) });
  const orderCountOf = async (userId: string) =>
    (await platform.users.getUser({ userId }, await asAdmin())).user?.orderCount;
  const placeOrder = async (userId: string) => {
    const { headers } = await testUserOf(platform.certsDir, userId);
    const placed = await platform.ordersClient.createOrder(
      { userId, items, currency: "EUR" },
      { headers },
    );
    return placed.order!.orderId;
  };

  it("dead-letters the poison event after maxDeliver, with the reason, while others flow", async () => {
    const { users } = platform;
    const admin = await asAdmin();
    const alice = (await users.createUser({ email: "alice@example.com", displayName: "A" }, admin))
      .user!;
    const mallory = (
      await users.createUser({ email: "poison@example.com", displayName: "P" }, admin)
    ).user!;
    poison.userId = mallory.userId;
    const fine = [await placeOrder(alice.userId), await placeOrder(alice.userId)];
    poison.orderId = await placeOrder(mallory.userId);
    fine.push(await placeOrder(alice.userId), await placeOrder(alice.userId));

    await expect
      .poll(async () => Promise.all(fine.map(billed)), { timeout: 20_000 })
      .toEqual([1, 1, 1, 1]);
    await expect
      .poll(() => broker.deadLetters.list({ consumer: billing.durable }), { timeout: 20_000 })
      .toHaveLength(1);
    [letter] = (await broker.deadLetters.list({ consumer: billing.durable })) as [DeadLetter];
    expect(letter).toMatchObject({
      consumer: billing.durable,
      stream: "EVENTS_ORDERS",
      subject: "orders.order.created.v1",
      deliveryCount: billing.maxDeliver,
      reason: `no payment method for user ${mallory.userId}`,
    });
    expect(decodeEvent(OrderCreatedSchema, letter.data).event.order?.orderId).toBe(poison.orderId);
    expect(runs.get(poison.orderId)).toBe(billing.maxDeliver);
    expect(await billed(poison.orderId)).toBeUndefined();

    // identity's own consumer of the same events is not held up by billing's poison.
    await expect.poll(() => orderCountOf(alice.userId), { timeout: 10_000 }).toBe(4n);
    await expect.poll(() => orderCountOf(mallory.userId), { timeout: 10_000 }).toBe(1n);
    expect(await broker.deadLetters.list({ consumer: "identity-order-count" })).toEqual([]);
  });

  it("shows the dead letter and its reason in `npm run dlq -- list`", async () => {
    const { stdout } = await dlqCli(["list"], nats.url);
    const row = stdout.split("\n").find((line) => line.startsWith(`${letter.id} `));
    expect(row).toBeDefined();
    expect(row).toContain(billing.durable);
    expect(row).toContain("orders.order.created.v1");
    expect(row).toMatch(new RegExp(`\\s${billing.maxDeliver}\\s+no payment method for user `));
  });

  it("replays it once the handler is fixed: handled once, by billing only", async () => {
    poison.fixed = true;
    await broker.deadLetters.replay(letter.id);
    await expect.poll(() => billed(poison.orderId), { timeout: 10_000 }).toBe(1);
    expect(await broker.deadLetters.list()).toEqual([]);
    // Nothing arrives twice: the replay ran the handler once more, and
    // identity (which had counted the order) skipped the replay addressed to billing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runs.get(poison.orderId)).toBe(billing.maxDeliver + 1);
    expect(await billed(poison.orderId)).toBe(1);
    expect(await orderCountOf(poison.userId)).toBe(1n);
  });
});

// `npm run dlq -- <args>` as an operator runs it, against the private server.
function dlqCli(args: string[], natsUrl: string): Promise<{ stdout: string; stderr: string }> {
  const { DLQ_STREAM, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      "npm",
      ["run", "dlq", "--", ...args],
      { env: { ...inherited, NATS_URL: natsUrl } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}
