import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { runMigrations } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { createInMemoryTransport } from "../../platform/rpc/create-in-memory-transport.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { createUserService, createUserStore, identitySchema, migrationsFolder } from "./index.js";

let database: TestDatabase<typeof identitySchema>;
let client: Client<typeof UserService>;

beforeAll(async () => {
  database = await createTestDatabase(identitySchema);
  await runMigrations(database, migrationsFolder, { service: "identity" });
  client = clientAs("gateway");
});
afterAll(() => database.drop());

// Through the platform chain, as the named workload would call it over mTLS.
function clientAs(caller: string | undefined): Client<typeof UserService> {
  const impl = createUserService({ store: createUserStore(database.db) });
  const transport = createInMemoryTransport([registerService(UserService, impl)], { caller });
  return createClient(UserService, transport);
}

let emails = 0;
function uniqueEmail(): string {
  emails++;
  return `user${emails}@example.com`;
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  return undefined;
}

describe("UserService", () => {
  it("creates, reads, updates, refuses a stale update, and deletes a user", async () => {
    const { user: created } = await client.createUser({
      email: "Ada@Example.com",
      displayName: "Ada",
    });
    expect(created?.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({ email: "Ada@Example.com", displayName: "Ada", version: 1n });
    expect(created?.createTime).toEqual(created?.updateTime);
    const userId = created!.userId;

    const { user: read } = await client.getUser({ userId });
    expect(read).toEqual(created);

    const { user: updated } = await client.updateUser({
      user: { userId, displayName: "Ada Lovelace", email: "ignored@example.com" },
      updateMask: { paths: ["display_name"] },
      version: 1n,
    });
    expect(updated).toMatchObject({
      displayName: "Ada Lovelace",
      email: "Ada@Example.com",
      version: 2n,
    });
    const [before, after] = [
      created?.updateTime?.seconds ?? 0n,
      updated?.updateTime?.seconds ?? -1n,
    ];
    expect(after >= before).toBe(true);

    const stale = client.updateUser({
      user: { userId, displayName: "Countess" },
      updateMask: { paths: ["display_name"] },
      version: 1n,
    });
    expect(await codeOf(stale)).toBe(Code.Aborted);
    expect(await codeOf(client.deleteUser({ userId, version: 1n }))).toBe(Code.Aborted);

    await client.deleteUser({ userId, version: 2n });
    expect(await codeOf(client.getUser({ userId }))).toBe(Code.NotFound);
    expect(await codeOf(client.deleteUser({ userId }))).toBe(Code.NotFound);
  });

  it("updates without a version precondition, bumping the version", async () => {
    const { user } = await client.createUser({ email: uniqueEmail(), displayName: "Bo" });
    const { user: updated } = await client.updateUser({
      user: { userId: user!.userId, email: "bo.new@example.com" },
      updateMask: { paths: ["email"] },
    });
    expect(updated).toMatchObject({ email: "bo.new@example.com", displayName: "Bo", version: 2n });
  });

  it("rejects an email taken by another user, whatever its case, without echoing it", async () => {
    await client.createUser({ email: "grace@example.com", displayName: "Grace" });
    const err = await client
      .createUser({ email: "GRACE@example.COM", displayName: "Imposter" })
      .catch(ConnectError.from);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.AlreadyExists);
    expect((err as ConnectError).rawMessage).toBe("a user with this email already exists");

    const { user: other } = await client.createUser({ email: uniqueEmail(), displayName: "Other" });
    const update = client.updateUser({
      user: { userId: other!.userId, email: "Grace@Example.com" },
      updateMask: { paths: ["email"] },
    });
    expect(await codeOf(update)).toBe(Code.AlreadyExists);
  });

  it("reports an unknown user as NOT_FOUND on update", async () => {
    const update = client.updateUser({
      user: { userId: "01890a5d-ac96-774b-bcce-b302099a8057", displayName: "Nobody" },
      updateMask: { paths: ["display_name"] },
    });
    expect(await codeOf(update)).toBe(Code.NotFound);
  });

  it.each([
    ["an unknown update_mask path", { paths: ["user_id"] }, "X"],
    ["an empty update_mask", { paths: [] }, "X"],
    ["an empty display_name named in the mask", { paths: ["display_name"] }, ""],
  ])("rejects %s as INVALID_ARGUMENT", async (_, updateMask, displayName) => {
    const { user } = await client.createUser({ email: uniqueEmail(), displayName: "Kept" });
    const update = client.updateUser({ user: { userId: user!.userId, displayName }, updateMask });
    expect(await codeOf(update)).toBe(Code.InvalidArgument);
    expect((await client.getUser({ userId: user!.userId })).user?.displayName).toBe("Kept");
  });

  it("rejects an update that does not say which user", async () => {
    const update = client.updateUser({
      user: { displayName: "X" },
      updateMask: { paths: ["display_name"] },
    });
    expect(await codeOf(update)).toBe(Code.InvalidArgument);
  });

  it("rejects a malformed cursor as INVALID_ARGUMENT", async () => {
    expect(await codeOf(client.listUsers({ cursor: "not-a-cursor" }))).toBe(Code.InvalidArgument);
  });
});

describe("UserService.ListUsers paging", () => {
  it("sees every existing user exactly once while users are created between pages", async () => {
    for (let i = 0; i < 25; i++)
      await client.createUser({ email: uniqueEmail(), displayName: `P${i}` });
    const existing = new Set((await listAll()).map((u) => u.userId));
    expect(existing.size).toBeGreaterThanOrEqual(25);

    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const page = await client.listUsers({ limit: 10, cursor });
      expect(page.data.length).toBeLessThanOrEqual(10);
      seen.push(...page.data.map((u) => u.userId));
      cursor = page.nextCursor;
      expect(cursor === "").toBe(!page.hasMore);
      pages++;
      // New users between page fetches must neither shift pages nor repeat users.
      await client.createUser({ email: uniqueEmail(), displayName: `New${pages}` });
    } while (cursor !== "" && pages < 50);

    expect(new Set(seen).size).toBe(seen.length);
    for (const userId of existing) expect(seen).toContain(userId);
    expect([...seen].sort()).toEqual(seen);
  });

  it("uses 20 as the default page size", async () => {
    for (let i = 0; i < 21; i++)
      await client.createUser({ email: uniqueEmail(), displayName: `D${i}` });
    const page = await client.listUsers({});
    expect(page.data).toHaveLength(20);
    expect(page.hasMore).toBe(true);
  });

  async function listAll() {
    const users = [];
    let cursor = "";
    do {
      const page = await client.listUsers({ limit: 100, cursor });
      users.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor !== "");
    return users;
  }

  it("enforces the proto policy: orders may read a user but not create one", async () => {
    const orders = clientAs("orders");
    const { user } = await client.createUser({ email: uniqueEmail(), displayName: "Policy" });
    await expect(orders.getUser({ userId: user!.userId })).resolves.toBeDefined();
    expect(await codeOf(orders.createUser({ email: uniqueEmail(), displayName: "No" }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(clientAs("billing").getUser({ userId: user!.userId }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(clientAs(undefined).listUsers({}))).toBe(Code.PermissionDenied);
  });

  it("rejects requests that break the proto's validation rules", async () => {
    expect(await codeOf(client.createUser({ email: "not-an-email", displayName: "X" }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(client.createUser({ email: uniqueEmail(), displayName: "" }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(client.getUser({ userId: "42" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listUsers({ limit: 101 }))).toBe(Code.InvalidArgument);
  });
});
