import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { count, eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../../services/orders/db/schema.js";
import { runAll } from "../support/run-all.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { createUserAsAdmin, type TestUser } from "../support/test-users.js";

const serverUrl = process.env["TEST_DATABASE_URL"];
const orderCount = 100;
const workers = 4;
// Paced so that the load is still running when the database goes away.
const pauseMs = 40;
const items = [{ sku: "pg-1", quantity: 3, unitPriceCents: 250n }];
// What a careful client retries, with the same request_id: the database
// going away surfaces as UNAVAILABLE or INTERNAL, a conflict as ABORTED,
// a slow answer as DEADLINE_EXCEEDED.
const retryable = new Set([Code.Unavailable, Code.Internal, Code.Aborted, Code.DeadlineExceeded]);
const retryForMs = 30_000;

/**
 * Real Postgres only: the outage is made on the server (no connections
 * allowed to orders' fresh database, its sessions terminated), which PGlite
 * has no equivalent of.
 */
describe.skipIf(!serverUrl)("a Postgres outage under load", () => {
  let platform: OrdersPlatform;
  let server: postgres.Sql;
  let database: string;

  beforeAll(async () => {
    platform = await startOrdersPlatform();
    const url = platform.ordersDatabase?.url;
    if (url === undefined) throw new Error("orders should run on a fresh Postgres database");
    database = new URL(url).pathname.slice(1);
    // Acts on orders' database from the `postgres` one: only that database is touched.
    server = postgres(serverUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(() =>
    runAll(
      // Whatever happened, give the database back before it is dropped.
      server &&
        (() => database && server`alter database ${server(database)} allow_connections true`),
      server && (() => server.end({ timeout: 5 })),
      () => platform?.stop(),
    ),
  );

  const ready = async () =>
    (await fetch(`http://127.0.0.1:${platform.orders.adminPort}/health/ready`)).status;

  async function takeDown() {
    await server`alter database ${server(database)} allow_connections false`;
    await server`
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${database} and pid <> pg_backend_pid()`;
  }

  it("loses and duplicates no order when orders' database goes away mid-load", async () => {
    const user = await createUserAsAdmin(platform.users, platform.certsDir, {
      email: "pg@example.com",
      displayName: "P",
    });
    const { userId, headers } = user;
    const requestIds = Array.from({ length: orderCount }, () => randomUUID());
    const stats = { done: 0, retries: 0, codes: new Set<Code>() };

    // Each call is retried with its own request_id until it succeeds: the
    // retry of a call that did commit must return the same order.
    const createWithRetries = async (requestId: string) => {
      const deadline = Date.now() + retryForMs;
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await platform.ordersClient.createOrder(
            { userId, items, currency: "EUR", requestId },
            { timeoutMs: 3_000, headers },
          );
          stats.done++;
          return { requestId, orderId: res.order!.orderId };
        } catch (err) {
          const { code } = ConnectError.from(err);
          if (!retryable.has(code) || Date.now() > deadline) throw err;
          stats.retries++;
          stats.codes.add(code);
          await sleep(Math.min(500, 25 * 2 ** attempt));
        }
      }
    };
    let next = 0;
    const worker = async () => {
      const results = [];
      while (next < requestIds.length) {
        results.push(await createWithRetries(requestIds[next++]!));
        await sleep(pauseMs);
      }
      return results;
    };
    const load = Promise.all(Array.from({ length: workers }, worker));

    await expect.poll(() => stats.done, { timeout: 20_000, interval: 10 }).toBeGreaterThan(20);
    await takeDown();
    await expect.poll(ready, { timeout: 10_000, interval: 50 }).toBe(503);
    const doneWhenDown = stats.done;
    await sleep(1_000);
    await server`alter database ${server(database)} allow_connections true`;
    await expect.poll(ready, { timeout: 10_000, interval: 50 }).toBe(200);

    const results = (await load).flat();
    expect(results).toHaveLength(orderCount);
    // The outage did hit the load: calls failed and were retried.
    expect(doneWhenDown).toBeLessThan(orderCount);
    expect(stats.retries).toBeGreaterThan(0);
    // …and was reported as the database being unavailable, never as a bug of ours.
    expect([...stats.codes]).toContain(Code.Unavailable);
    expect([...stats.codes]).not.toContain(Code.Internal);

    // None lost, none duplicated: the user has exactly one order per request_id.
    const listed = await listAllOrders(platform, user);
    expect(listed).toHaveLength(orderCount);
    expect(new Set(listed).size).toBe(orderCount);
    expect(new Set(listed)).toEqual(new Set(results.map((r) => r.orderId)));
    const [created] = await platform
      .ordersDatabase!.db.select({ n: count() })
      .from(outbox)
      .where(eq(outbox.type, "orders.order.created"));
    expect(created?.n).toBe(orderCount);
  }, 90_000);
});

async function listAllOrders(
  platform: OrdersPlatform,
  { userId, headers }: TestUser,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor = "";
  do {
    const page = await platform.ordersClient.listOrders({ userId, limit: 30, cursor }, { headers });
    ids.push(...page.data.map((order) => order.orderId));
    cursor = page.nextCursor;
  } while (cursor !== "");
  return ids;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
