import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createTestDatabase } from "../../platform/db/test-database.js";
import { spawnService } from "../support/spawn-service.js";
import { adminHeaders } from "../support/test-users.js";

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function databaseEnv(): Promise<Record<string, string>> {
  if (!process.env.TEST_DATABASE_URL) return {};
  const db = await createTestDatabase({});
  dbs.push(db);
  return { DATABASE_URL: db.url! };
}

// The gateway's client, acting for an admin (CreateUser and ListUsers need the scope).
async function clientFor(certsDir: string, port: number) {
  const read = (f: string) => readFileSync(join(certsDir, f), "utf8");
  const { authorization } = await adminHeaders(certsDir);
  return createClient(
    UserService,
    createGrpcTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      nodeOptions: { ca: read("ca.crt"), cert: read("gateway.crt"), key: read("gateway.key") },
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", authorization);
          return next(req);
        },
      ],
    }),
  );
}

describe("SIGTERM while requests are in flight", () => {
  it("completes all 200 in-flight calls, exits 0, and loses no write", async () => {
    const env = await databaseEnv();
    // A long drain deadline: this test is about losing nothing, and PGlite
    // on a loaded CI machine can take seconds for 200 inserts.
    const first = await spawnService("identity", { ...env, SHUTDOWN_TIMEOUT_MS: "60000" });
    const { ensureServiceCert } = await import("../../platform/pki/index.js");
    await ensureServiceCert(first.certsDir, { service: "gateway" });
    const client = await clientFor(first.certsDir, first.rpcPort);
    await client.listUsers({}); // connection up before the burst

    const calls = Array.from({ length: 200 }, (_, i) =>
      client.createUser({ email: `drain-${i}@example.com`, displayName: `Drain ${i}` }),
    );
    await new Promise((r) => setTimeout(r, 20));
    first.child.kill("SIGTERM");
    const results = await Promise.allSettled(calls);
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length > 0) {
      // Diagnostics for a failure: the server's lifecycle log lines.
      console.error(first.lines.filter((l) => !l.includes('"rpc"')).join("\n"));
    }
    expect(
      failed.map((f) => ConnectError.from((f as PromiseRejectedResult).reason).message).slice(0, 3),
    ).toEqual([]);
    expect(await first.exited).toBe(0);
    expect(first.lines.some((l) => l.includes('"draining"'))).toBe(true);

    // Every acknowledged write is there after a restart on the same data.
    const dataDir: Record<string, string> = env.DATABASE_URL
      ? {}
      : { DATA_DIR: join(first.certsDir, "..", "data") };
    const second = await spawnService("identity", {
      ...env,
      ...dataDir,
      CERTS_DIR: first.certsDir,
    });
    const again = await clientFor(second.certsDir, second.rpcPort);
    let seen = 0;
    let cursor = "";
    do {
      const page = await again.listUsers({ limit: 100, cursor });
      seen += page.data.filter((u) => u.email.startsWith("drain-")).length;
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(seen).toBe(200);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("refuses new connections once draining has finished", async () => {
    const service = await spawnService("identity", await databaseEnv());
    service.child.kill("SIGTERM");
    await service.exited;
    const { ensureServiceCert } = await import("../../platform/pki/index.js");
    await ensureServiceCert(service.certsDir, { service: "gateway" });
    const err = await (await clientFor(service.certsDir, service.rpcPort))
      .listUsers({})
      .catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
