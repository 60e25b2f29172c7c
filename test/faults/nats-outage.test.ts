import { count, isNull, max } from "drizzle-orm";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processedEvents } from "../../services/identity/db/schema.js";
import { outbox } from "../../services/orders/db/schema.js";
import { hasNatsServer, type PrivateNats, startPrivateNats } from "../support/private-nats.js";
import { runAll } from "../support/run-all.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { createUserAsAdmin } from "../support/test-users.js";

const orderCreated = "orders.order.created.v1";
const orderCount = 100;
const items = [{ sku: "outage-1", quantity: 1, unitPriceCents: 500n }];

describe.skipIf(!process.env["TEST_DATABASE_URL"] || !hasNatsServer)(
  "a NATS outage under load",
  () => {
    let nats: PrivateNats;
    let platform: OrdersPlatform;

    beforeAll(async () => {
      nats = await startPrivateNats();
      platform = await startOrdersPlatform({ natsUrl: nats.url });
    });
    afterAll(() =>
      runAll(
        () => platform?.stop(),
        () => nats?.dispose(),
      ),
    );

    const unpublished = async () => {
      const [row] = await platform
        .ordersDatabase!.db.select({ n: count(), attempts: max(outbox.attempts) })
        .from(outbox)
        .where(isNull(outbox.publishedAt));
      return { rows: row?.n ?? 0, attempts: row?.attempts ?? 0 };
    };
    const storedCreated = async () => {
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.streams.info("EVENTS_ORDERS", { subjects_filter: ">" });
        return { messages: info.state.messages, bySubject: info.state.subjects };
      } finally {
        await nc.close();
      }
    };

    it("takes orders while NATS is down, then delivers every event exactly once", async () => {
      const { users, ordersClient } = platform;
      const user = await createUserAsAdmin(users, platform.certsDir, {
        email: "outage@example.com",
        displayName: "O",
      });
      const userId = user.userId;
      const as = { headers: user.headers };

      await nats.stop();
      // The outbox decouples the RPC from the broker: every order commits.
      const placed = await Promise.all(
        Array.from({ length: orderCount }, () =>
          ordersClient.createOrder({ userId, items, currency: "EUR" }, as),
        ),
      );
      expect(new Set(placed.map((r) => r.order!.orderId)).size).toBe(orderCount);
      expect((await unpublished()).rows).toBe(orderCount);
      // The relay tried, failed, and kept the rows for later.
      await expect
        .poll(async () => (await unpublished()).attempts, { timeout: 20_000 })
        .toBeGreaterThan(0);
      expect((await users.getUser({ userId }, as)).user?.orderCount).toBe(0n);

      await nats.start();
      await expect
        .poll(async () => (await users.getUser({ userId }, as)).user?.orderCount, {
          timeout: 60_000,
          interval: 250,
        })
        .toBe(BigInt(orderCount));
      await expect.poll(async () => (await unpublished()).rows, { timeout: 10_000 }).toBe(0);

      // Exactly once: no stray redelivery adds to the count afterwards, the
      // stream stored each event once (relay retries deduped by Nats-Msg-Id),
      // and identity recorded each as processed once.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await users.getUser({ userId }, as)).user?.orderCount).toBe(BigInt(orderCount));
      expect(await storedCreated()).toEqual({
        messages: orderCount,
        bySubject: { [orderCreated]: orderCount },
      });
      const [processed] = await platform
        .identityDatabase!.db.select({ n: count() })
        .from(processedEvents);
      expect(processed?.n).toBe(orderCount);
    }, 120_000);
  },
);
