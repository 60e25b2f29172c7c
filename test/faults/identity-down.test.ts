import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { type AuthHeaders, createUserAsAdmin } from "../support/test-users.js";

const items = [{ sku: "down-1", quantity: 1, unitPriceCents: 100n }];
// Calls that open the circuit: each CreateOrder makes up to 3 attempts at
// identity (UNAVAILABLE is retried for GetUser, which is idempotent), and 5
// consecutive failures open the breaker, so two or three calls are enough.
const callsToOpen = 5;
const fastCalls = 20;

/**
 * Runs on PGlite, or on fresh Postgres databases when TEST_DATABASE_URL is
 * set; events go through the in-process broker (not what is under test).
 */
describe("orders while identity is down", () => {
  let platform: OrdersPlatform;
  let userId: string;
  let as: { headers: AuthHeaders };

  beforeAll(async () => {
    platform = await startOrdersPlatform();
    const user = await createUserAsAdmin(platform.users, platform.certsDir, {
      email: "down@example.com",
      displayName: "D",
    });
    userId = user.userId;
    as = { headers: user.headers };
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const placeOrder = () =>
    platform.ordersClient.createOrder({ userId, items, currency: "EUR" }, as);
  const timedCode = async () => {
    const started = performance.now();
    const code = await placeOrder().then(
      () => "ok" as const,
      (err: unknown) => ConnectError.from(err).code,
    );
    return { code, ms: performance.now() - started };
  };
  const ready = async () =>
    (await fetch(`http://127.0.0.1:${platform.orders.adminPort}/health/ready`)).status;

  it("answers UNAVAILABLE fast once the circuit opens, and recovers by itself", async () => {
    await placeOrder();
    await platform.stopIdentity();

    for (let i = 0; i < callsToOpen; i++) expect((await timedCode()).code).toBe(Code.Unavailable);
    // The circuit is open: refused in orders without a connection attempt.
    // (openMs is 2 s, so these all fall inside one open period.)
    const refused = [];
    for (let i = 0; i < fastCalls; i++) refused.push(await timedCode());
    expect(refused.map((r) => r.code)).toEqual(Array(fastCalls).fill(Code.Unavailable));
    expect(Math.max(...refused.map((r) => r.ms))).toBeLessThan(250);
    // An upstream being down is not a reason to take orders out of rotation.
    expect(await ready()).toBe(200);

    await platform.startIdentity();
    const restarted = performance.now();
    let recovered: Awaited<ReturnType<typeof timedCode>> | undefined;
    while (performance.now() - restarted < 10_000) {
      const attempt = await timedCode();
      if (attempt.code === "ok") {
        recovered = attempt;
        break;
      }
      expect(attempt.code).toBe(Code.Unavailable);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The breaker let a probe through after its open period, the probe
    // succeeded and closed it: no restart of orders, no operator.
    expect(recovered).toBeDefined();
    expect(performance.now() - restarted).toBeLessThan(5_000);
    for (let i = 0; i < 5; i++) expect((await timedCode()).code).toBe("ok");
  });
});
