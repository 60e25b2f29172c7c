import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OrdersPlatform,
  startOrdersPlatform,
} from "../../../test/support/start-orders-platform.js";
import { createUserAsAdmin } from "../../../test/support/test-users.js";
import { auditLog } from "./schema.js";

const run = promisify(execFile);

// Postgres only: on PGlite the running service holds the database's files.
describe.runIf(process.env["TEST_DATABASE_URL"])("orders' audit log in a running service", () => {
  let platform: OrdersPlatform;

  beforeAll(async () => {
    platform = await startOrdersPlatform();
  });
  afterAll(() => platform?.stop());

  const unsealed = async () =>
    (await platform.ordersDatabase!.db.select().from(auditLog).where(isNull(auditLog.seq))).length;

  it("seals a CreateOrder's audit row within seconds, and npm run audit -- verify says ok", async () => {
    const user = await createUserAsAdmin(platform.users, platform.certsDir, {
      email: "sealed@example.com",
      displayName: "S",
    });
    const items = [{ sku: "seal-1", quantity: 1, unitPriceCents: 100n }];
    await platform.ordersClient.createOrder(
      { userId: user.userId, items, currency: "EUR" },
      { headers: user.headers },
    );
    const started = Date.now();
    while ((await unsealed()) > 0) {
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/audit.ts", "verify", "--service", "orders"],
      { env: { ...process.env, DATABASE_URL: platform.ordersDatabase!.url } },
    );
    expect(stdout).toMatch(/^orders: ok, 1 rows, head seq 1 hash [0-9a-f]{64}\n$/);
  });
});
