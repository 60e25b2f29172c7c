import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { ADMIN_SCOPES, mintTestToken } from "../../test/support/test-tokens.js";
import {
  as,
  codeOf,
  type IdentityTestClients,
  startIdentityWithClients,
  uniqueEmail,
} from "./testing/identity-test-clients.js";

let t: IdentityTestClients;
let adminToken: string;
const adminId = "01890a5d-ac96-774b-bcce-b302099a0001";

beforeAll(async () => {
  t = await startIdentityWithClients();
  adminToken = await mintTestToken(t.identity.certsDir, adminId, ADMIN_SCOPES);
});
afterAll(() => t.stop());

// Through the whole platform chain, as the gateway calls with an admin's token.
const client = {
  createUser: (req: Parameters<Client<typeof UserService>["createUser"]>[0]) =>
    t.users.createUser(req, as(adminToken)),
  listUsers: (req: Parameters<Client<typeof UserService>["listUsers"]>[0]) =>
    t.users.listUsers(req, as(adminToken)),
};

/** ownerOf is a client acting as the user `userId` with a signed-up user's scopes. */
async function ownerOf(userId: string) {
  const options = as(await mintTestToken(t.identity.certsDir, userId));
  return {
    getUser: (req: { userId: string }) => t.users.getUser(req, options),
    updateUser: (req: Parameters<Client<typeof UserService>["updateUser"]>[0]) =>
      t.users.updateUser(req, options),
    deleteUser: (req: Parameters<Client<typeof UserService>["deleteUser"]>[0]) =>
      t.users.deleteUser(req, options),
  };
}

// A client presenting another workload's certificate and no end-user credential.
async function clientAs(service: string): Promise<Client<typeof UserService>> {
  const cert = await ensureServiceCert(t.identity.certsDir, { service });
  const transport = createGrpcTransport({
    baseUrl: `https://127.0.0.1:${t.identity.service.rpcPort}`,
    nodeOptions: { ca: cert.ca, cert: cert.cert, key: cert.key },
  });
  return createClient(UserService, transport);
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
    const owner = await ownerOf(userId);

    const { user: read } = await owner.getUser({ userId });
    expect(read).toEqual(created);

    const { user: updated } = await owner.updateUser({
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

    const stale = owner.updateUser({
      user: { userId, displayName: "Countess" },
      updateMask: { paths: ["display_name"] },
      version: 1n,
    });
    expect(await codeOf(stale)).toBe(Code.Aborted);
    expect(await codeOf(owner.deleteUser({ userId, version: 1n }))).toBe(Code.Aborted);

    await owner.deleteUser({ userId, version: 2n });
    expect(await codeOf(owner.getUser({ userId }))).toBe(Code.NotFound);
    expect(await codeOf(owner.deleteUser({ userId }))).toBe(Code.NotFound);
  });

  it("updates without a version precondition, bumping the version", async () => {
    const { user } = await client.createUser({ email: uniqueEmail(), displayName: "Bo" });
    const owner = await ownerOf(user!.userId);
    const { user: updated } = await owner.updateUser({
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
    const update = (await ownerOf(other!.userId)).updateUser({
      user: { userId: other!.userId, email: "Grace@Example.com" },
      updateMask: { paths: ["email"] },
    });
    expect(await codeOf(update)).toBe(Code.AlreadyExists);
  });

  it("reports an unknown user as NOT_FOUND on update", async () => {
    const userId = "01890a5d-ac96-774b-bcce-b302099a8057";
    const update = (await ownerOf(userId)).updateUser({
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
    const owner = await ownerOf(user!.userId);
    const update = owner.updateUser({ user: { userId: user!.userId, displayName }, updateMask });
    expect(await codeOf(update)).toBe(Code.InvalidArgument);
    expect((await owner.getUser({ userId: user!.userId })).user?.displayName).toBe("Kept");
  });

  it("rejects an update that does not say which user", async () => {
    const update = t.users.updateUser(
      { user: { displayName: "X" }, updateMask: { paths: ["display_name"] } },
      as(adminToken),
    );
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
    const orders = await clientAs("orders");
    const { user } = await client.createUser({ email: uniqueEmail(), displayName: "Policy" });
    await expect(orders.getUser({ userId: user!.userId })).resolves.toBeDefined();
    expect(await codeOf(orders.createUser({ email: uniqueEmail(), displayName: "No" }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf((await clientAs("billing")).getUser({ userId: user!.userId }))).toBe(
      Code.PermissionDenied,
    );
    // The gateway without a credential: a public call needs a token.
    expect(await codeOf(t.users.listUsers({}))).toBe(Code.Unauthenticated);
  });

  it("rejects requests that break the proto's validation rules", async () => {
    expect(await codeOf(client.createUser({ email: "not-an-email", displayName: "X" }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(client.createUser({ email: uniqueEmail(), displayName: "" }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(t.users.getUser({ userId: "42" }, as(adminToken)))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(client.listUsers({ limit: 101 }))).toBe(Code.InvalidArgument);
  });
});

describe("UserService object-level checks (BOLA, OWASP API1)", () => {
  async function twoUsers() {
    const mine = (await client.createUser({ email: uniqueEmail(), displayName: "Mine" })).user!;
    const theirs = (await client.createUser({ email: uniqueEmail(), displayName: "Theirs" })).user!;
    return { mine, theirs, me: await ownerOf(mine.userId) };
  }

  async function refusal(call: Promise<unknown>) {
    const err = await call.then(() => undefined, ConnectError.from);
    return { code: err?.code, message: err?.rawMessage };
  }

  it("answers a user's GetUser, UpdateUser and DeleteUser on someone else exactly as on a missing user", async () => {
    const { theirs, me } = await twoUsers();
    const missingId = "01890a5d-ac96-774b-bcce-b302099affff";
    const missing = await refusal(me.getUser({ userId: missingId }));
    expect(missing.code).toBe(Code.NotFound);
    const cases = [
      (userId: string) => me.getUser({ userId }),
      (userId: string) =>
        me.updateUser({
          user: { userId, displayName: "Hacked" },
          updateMask: { paths: ["display_name"] },
        }),
      (userId: string) => me.deleteUser({ userId }),
    ];
    for (const call of cases) {
      const theirsRefused = await refusal(call(theirs.userId));
      const missingRefused = await refusal(call(missingId));
      expect(theirsRefused.code).toBe(Code.NotFound);
      expect(theirsRefused.message).toBe(missingRefused.message?.replace(missingId, theirs.userId));
    }
    // Nothing changed: the admin still reads the other user as it was.
    const { user } = await t.users.getUser({ userId: theirs.userId }, as(adminToken));
    expect(user?.displayName).toBe("Theirs");
  });

  it("lets the admin scope read any user but change none but its own", async () => {
    const { theirs } = await twoUsers();
    const read = await t.users.getUser({ userId: theirs.userId }, as(adminToken));
    expect(read.user?.userId).toBe(theirs.userId);
    const update = t.users.updateUser(
      {
        user: { userId: theirs.userId, displayName: "X" },
        updateMask: { paths: ["display_name"] },
      },
      as(adminToken),
    );
    expect(await codeOf(update)).toBe(Code.NotFound);
    expect(await codeOf(t.users.deleteUser({ userId: theirs.userId }, as(adminToken)))).toBe(
      Code.NotFound,
    );
  });

  it("refuses ListUsers and CreateUser to a user without the admin scope", async () => {
    const { mine } = await twoUsers();
    const token = await mintTestToken(t.identity.certsDir, mine.userId);
    expect(await codeOf(t.users.listUsers({}, as(token)))).toBe(Code.PermissionDenied);
    const create = t.users.createUser({ email: uniqueEmail(), displayName: "X" }, as(token));
    expect(await codeOf(create)).toBe(Code.PermissionDenied);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "audits an admin's reads of other users, not a user's own reads",
    async () => {
      const { mine, theirs, me } = await twoUsers();
      await me.getUser({ userId: mine.userId });
      await t.users.getUser({ userId: theirs.userId }, as(adminToken));
      const rows = await t.sql!`select actor, action, target from identity.audit_log
      where action = 'user.read' and target in (${`user:${mine.userId}`}, ${`user:${theirs.userId}`})`;
      expect(rows.map((r) => ({ ...r }))).toEqual([
        { actor: `user:${adminId}`, action: "user.read", target: `user:${theirs.userId}` },
      ]);
    },
  );
});
