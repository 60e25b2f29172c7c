/**
 * The gateway registers no context manager (TracingOptions.asyncContext is
 * false): AsyncLocalStorage's promise hooks were about half of its tracing
 * cost (docs/benchmarks.md). Every span it makes therefore gets its parent
 * handed over. Both processes run as in production, exporting to a real
 * OTLP/gRPC receiver, with a preload that reports the first
 * AsyncLocalStorage entered (test/support/report-async-local-storage.mjs):
 *
 * - the gateway process never enters one, through a traced GET, an API-key
 *   check, an idempotent POST and the exports, while identity, which keeps
 *   the context manager, does (so the report is known to work);
 * - the upstream call's CLIENT span, the API-key check's call to identity
 *   and the idempotency store's SQL statements all hang under the
 *   request's SERVER span, and identity's server span under the CLIENT span.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { createGatewayClient } from "../support/gateway-http.js";
import { spawnGateway } from "../support/spawn-gateway.js";
import { spawnService } from "../support/spawn-service.js";
import { adminHeaders, createGatewayUser } from "../support/test-users.js";
import { UNLIMITED_EDGE } from "../support/user-load.js";
import { type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.js";

const PRELOAD = new URL("../support/report-async-local-storage.mjs", import.meta.url).pathname;

const scratch = mkdtempSync(join(tmpdir(), "pp-explicit-parents-"));
const children: ChildProcess[] = [];
const databases: TestDatabase<Record<string, never>>[] = [];

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const db of databases) await db.drop();
  rmSync(scratch, { recursive: true, force: true });
});

async function databaseEnv(): Promise<Record<string, string>> {
  if (!process.env.TEST_DATABASE_URL) return {};
  const database = await createTestDatabase({});
  databases.push(database);
  return { DATABASE_URL: database.url! };
}

// The env that makes a process export spans and report its first AsyncLocalStorage.
function watched(endpoint: string, report: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${PRELOAD}`.trim(),
    ASYNC_LOCAL_STORAGE_REPORT: report,
  };
}

describe("a traced gateway without a context manager", () => {
  it("enters no AsyncLocalStorage and still hangs every span under the request's", async () => {
    const receiver = await startOtlpReceiver();
    const reports = {
      gateway: join(scratch, "gateway.txt"),
      identity: join(scratch, "identity.txt"),
    };
    try {
      const identity = await spawnService("identity", {
        ...(await databaseEnv()),
        ...watched(receiver.endpoint, reports.identity),
      });
      children.push(identity.child);
      const gateway = await spawnGateway({
        ...(await databaseEnv()),
        ...watched(receiver.endpoint, reports.gateway),
        CERTS_DIR: identity.certsDir,
        UPSTREAMS: `identity=https://127.0.0.1:${identity.rpcPort}`,
        ...UNLIMITED_EDGE,
      });
      children.push(gateway.child);
      const api = createGatewayClient(gateway.port);

      // An idempotent POST (an admin's CreateUser under an Idempotency-Key).
      const user = await createGatewayUser(api, identity.certsDir, {
        email: "paula.parent@example.com",
        displayName: "Paula Parent",
      });
      const keyed = await api.send("POST", "/v1/users", {
        json: { email: "ivan.idem@example.com", display_name: "Ivan Idem" },
        headers: { ...(await adminHeaders(identity.certsDir)), "idempotency-key": "k-1" },
      });
      expect(keyed.status).toBe(200);
      // A GET authenticated by an API key: the gateway asks identity about it.
      const made = await api.send("POST", "/v1/api-keys", {
        json: { name: "parents", scopes: ["users:read"] },
        headers: { ...user.headers },
      });
      expect(made.status).toBe(200);
      const read = await api.send("GET", `/v1/users/${user.userId}`, {
        headers: { authorization: `Bearer ${made.body.secret}` },
      });
      expect(read.status).toBe(200);

      // SIGTERM drains both; each flushes its spans on the way out.
      gateway.child.kill("SIGTERM");
      expect(await gateway.exited).toBe(0);
      identity.child.kill("SIGTERM");
      expect(await identity.exited).toBe(0);

      const gatewayReport = existsSync(reports.gateway)
        ? readFileSync(reports.gateway, "utf8")
        : "";
      expect(gatewayReport).toBe("");
      expect(readFileSync(reports.identity, "utf8")).toMatch(/^AsyncLocalStorage\.run/);

      const spans = receiver.spans();
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const childrenOf = (parent: ReceivedSpan) =>
        spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);
      const servers = (name: string) =>
        spans.filter((s) => s.kind === "SPAN_KIND_SERVER" && s.name === name);

      // The keyed POST: its store statements and its upstream call under it.
      const keyedServer = servers("POST /v1/users").find(
        (s) => s.attributes.request_id === keyed.headers["x-request-id"],
      );
      expect(keyedServer?.resourceService).toBe("gateway");
      const keyedChildren = childrenOf(keyedServer!);
      const statements = keyedChildren.filter(
        (s) => s.attributes["db.system.name"] === "postgresql",
      );
      expect(statements.map((s) => s.attributes["db.operation.name"]).sort()).toEqual([
        "INSERT",
        "UPDATE",
      ]);
      for (const s of statements) {
        expect(s.attributes["db.collection.name"]).toMatch(/idempotency_keys$/);
        expect(s.kind).toBe("SPAN_KIND_CLIENT");
      }
      const create = keyedChildren.find((s) => s.name === "identity.v1.UserService/CreateUser");
      expect(create?.kind).toBe("SPAN_KIND_CLIENT");
      // Made by the gateway's own process for the gateway, not a root
      // span of the shared client tracer.
      expect(create?.resourceService).toBe("gateway");
      expect(create?.attributes["service.name"]).toBeUndefined();
      expect(childrenOf(create!).map((s) => [s.name, s.kind, s.resourceService])).toEqual([
        ["identity.v1.UserService/CreateUser", "SPAN_KIND_SERVER", "identity"],
      ]);

      // The GET: the API-key check and the upstream call, both under it.
      const getServer = servers("GET /v1/users/{user_id}").find(
        (s) => s.attributes.request_id === read.headers["x-request-id"],
      );
      const getChildren = childrenOf(getServer!).map((s) => [s.name, s.kind]);
      expect(getChildren.sort()).toEqual([
        ["identity.v1.ApiKeyService/VerifyApiKey", "SPAN_KIND_CLIENT"],
        ["identity.v1.UserService/GetUser", "SPAN_KIND_CLIENT"],
      ]);
      // identity serves the key check as part of the same request: its id.
      const keyCheck = childrenOf(getServer!).find((s) => s.name.endsWith("VerifyApiKey"));
      expect(childrenOf(keyCheck!).map((s) => [s.kind, s.attributes.request_id])).toEqual([
        ["SPAN_KIND_SERVER", read.headers["x-request-id"]],
      ]);
      // The gateway's only roots are its requests and the signing-key set's
      // refresh, which serves every request, not one.
      const gatewayRoots = spans.filter(
        (s) => s.resourceService === "gateway" && !byId.has(s.parentSpanId),
      );
      for (const root of gatewayRoots) {
        if (root.kind !== "SPAN_KIND_SERVER")
          expect(root.name).toBe("identity.v1.AuthService/GetJwks");
      }
    } finally {
      await receiver.close();
    }
  }, 90_000);
});
