import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderItemSchema, OrderStatus } from "../gen/orders/v1/order_pb.js";
import { sealAudit } from "../platform/audit/index.js";
import { type AppDatabase, createDatabase, runMigrations } from "../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../platform/db/test-database.js";
import * as schema from "../services/orders/db/schema.js";
import { migrationsFolder } from "../services/orders/index.js";
import { createOrderStore } from "../services/orders/order-store.js";

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// The script as `npm run audit --` runs it, in its own process.
function audit(args: string[], env: Record<string, string | undefined>): Promise<Result> {
  const { DATABASE_URL, DATA_DIR, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/audit.ts", ...args],
      { env: { ...inherited, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// Three audited changes (two orders created, one cancelled), sealed as the
// running service's sealer would.
async function placeOrders(db: AppDatabase<typeof schema>) {
  const store = createOrderStore(db);
  const caller = { actor: "service:test" };
  const order = { userId: crypto.randomUUID(), currency: "EUR", requestId: "" };
  const items = [create(OrderItemSchema, { sku: "pen", quantity: 1, unitPriceCents: 250n })];
  const first = await store.create({ ...order, items }, caller);
  await store.create({ ...order, items }, caller);
  await store.changeStatus(first.orderId, OrderStatus.CANCELLED, undefined, caller);
  await sealAudit(db as AppDatabase, schema.auditLog);
}

// These databases hold orders' tables only: verify that chain alone.
const verifyOrders = ["verify", "--service", "orders"];
const okLine = /^orders: ok, 3 rows, head seq 3 hash ([0-9a-f]{64})\n$/;

describe("npm run audit", () => {
  it("exits 2 with the usage on a bad command line", async () => {
    const result = await audit(["verify", "--service", "billing"], { DATABASE_URL: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown service billing");
    expect(result.stderr).toContain("usage: npm run audit -- verify");
  });
});

describe.runIf(process.env["TEST_DATABASE_URL"])("npm run audit against Postgres", () => {
  let database: TestDatabase<typeof schema>;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    database = await createTestDatabase(schema);
    await runMigrations(database, migrationsFolder, { service: "orders" });
    await placeOrders(database.db);
    env = { DATABASE_URL: database.url };
  });
  afterAll(() => database?.drop());

  // As a superuser who first switches the append-only trigger off.
  async function tamper(statement: ReturnType<typeof sql>) {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table orders.audit_log disable trigger user`);
      await tx.execute(statement);
      await tx.execute(sql`alter table orders.audit_log enable trigger user`);
    });
  }

  it("says ok with the head, finds a deleted tail by that anchor, and a changed row alone", async () => {
    const intact = await audit(verifyOrders, env);
    expect(intact).toMatchObject({ code: 0, stderr: "" });
    const head = okLine.exec(intact.stdout)?.[1];
    expect(head).toBeDefined();
    const anchor = ["--service", "orders", "--anchor", `3:${head}`];
    expect(await audit(["verify", ...anchor], env)).toMatchObject({ code: 0 });

    await tamper(sql`delete from orders.audit_log where seq = 3`);
    expect((await audit(verifyOrders, env)).code).toBe(0); // a chain alone cannot tell
    expect(await audit(["verify", ...anchor], env)).toMatchObject({
      code: 1,
      stdout:
        "orders: BROKEN at seq 3: chain ends before the recorded anchor seq 3 (rows deleted at the tail)\n",
    });

    await tamper(sql`update orders.audit_log set actor = 'user:someone-else' where seq = 1`);
    expect(await audit(verifyOrders, env)).toMatchObject({
      code: 1,
      stdout: "orders: BROKEN at seq 1: hash mismatch (row changed)\n",
    });
  });
});

describe("npm run audit on embedded PGlite", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "pp-audit-"));
    const database = await createDatabase({ dataDir: join(dataDir, "orders"), schema });
    try {
      await runMigrations(database, migrationsFolder, { service: "orders" });
      await placeOrders(database.db);
      await tamper(database.db);
    } finally {
      await database.close();
    }
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // PGlite's one session is the owner: delete the middle row.
  async function tamper(db: AppDatabase<typeof schema>) {
    await db.execute(sql`alter table orders.audit_log disable trigger user`);
    await db.execute(sql`delete from orders.audit_log where seq = 2`);
  }

  it("reads DATA_DIR/orders and finds the deleted row", async () => {
    expect(await audit(verifyOrders, { DATA_DIR: dataDir })).toMatchObject({
      code: 1,
      stdout: "orders: BROKEN at seq 2: seq 2 missing (rows deleted)\n",
    });
  });

  it("fails, without creating one, where there is no database", async () => {
    const result = await audit(["verify"], { DATA_DIR: join(dataDir, "nowhere") });
    expect(result.code).toBe(1);
    // Every audited service is verified by default.
    for (const service of ["identity", "orders"]) {
      expect(result.stdout).toContain(
        `${service}: ERROR: cannot read its audit log (no embedded database`,
      );
    }
  });
});
