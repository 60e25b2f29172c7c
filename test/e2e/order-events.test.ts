import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { createUserAsAdmin, testUserOf } from "../support/test-users.js";

let platform: OrdersPlatform;

beforeAll(async () => {
  // Both services in this process share the in-process broker, as `npm start` does.
  platform = await startOrdersPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

describe("orders and identity over mTLS and events", () => {
  it("places orders for a user that identity knows, and identity counts them from the events", async () => {
    const { users, ordersClient } = platform;
    const user = await createUserAsAdmin(users, platform.certsDir, {
      email: "loop@example.com",
      displayName: "Loop",
    });
    const as = { headers: user.headers };
    for (let i = 0; i < 3; i++) {
      await ordersClient.createOrder(
        {
          userId: user.userId,
          items: [{ sku: "a", quantity: 1, unitPriceCents: 100n }],
          currency: "EUR",
        },
        { headers: user.headers },
      );
    }
    await expect
      .poll(async () => (await users.getUser({ userId: user.userId }, as)).user?.orderCount, {
        timeout: 10_000,
      })
      .toBe(3n);
  });

  it("refuses an order for an unknown user, asking identity over mTLS", async () => {
    // A valid token for a user identity does not know (e.g. one deleted since).
    const unknown = await testUserOf(platform.certsDir, crypto.randomUUID());
    const err = await platform.ordersClient
      .createOrder(
        {
          userId: unknown.userId,
          items: [{ sku: "a", quantity: 1, unitPriceCents: 1n }],
          currency: "EUR",
        },
        { headers: unknown.headers },
      )
      .catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });
});
