/**
 * The gateway as it runs in production: `gateway/main.ts` in its own
 * process in front of identity in its own process, each with its own
 * certificate from one CA. Covers what only processes show: the request
 * id in identity's own log line, an upstream that goes away under a live
 * connection, SIGTERM, and a bad environment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "../support/gateway-http.js";
import { jsonLines, type SpawnedGateway, spawnGateway } from "../support/spawn-gateway.js";
import { type SpawnedService, spawnService } from "../support/spawn-service.js";
import { type AuthHeaders, adminHeaders } from "../support/test-users.js";

describe("gateway/main.ts in front of identity", () => {
  let identity: SpawnedService;
  let gateway: SpawnedGateway;
  let api: GatewayClient;
  // CreateUser and ListUsers need the admin scope.
  let admin: AuthHeaders;

  beforeAll(async () => {
    identity = await spawnService("identity");
    gateway = await spawnGateway({
      CERTS_DIR: identity.certsDir,
      UPSTREAMS: `identity=https://127.0.0.1:${identity.rpcPort}`,
    });
    api = createGatewayClient(gateway.port);
    admin = await adminHeaders(identity.certsDir);
  });

  afterAll(() => {
    identity?.child.kill("SIGKILL");
    gateway?.child.kill("SIGKILL");
  });

  it("logs its ports and upstreams when it starts", () => {
    const started = jsonLines(gateway.lines).find((l) => l.msg === "gateway started");
    expect(started).toMatchObject({
      service: "gateway",
      port: gateway.port,
      admin_port: expect.any(Number),
      upstreams: {
        identity: `https://127.0.0.1:${identity.rpcPort}`,
        orders: "https://orders:50051",
      },
    });
  });

  it("carries X-Request-ID into identity's own log line for the call", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "logged@example.com", display_name: "Logged" },
      headers: { "x-request-id": "req-process-42", ...admin },
    });
    expect(res.status).toBe(200);
    await expect
      .poll(() => jsonLines(identity.lines).find((l) => l.request_id === "req-process-42"))
      .toMatchObject({ msg: "rpc", rpc: "identity.v1.UserService/CreateUser", peer: "gateway" });
  });

  it("answers 503 quickly once identity is gone from under a live connection", async () => {
    expect((await api.send("GET", "/v1/users", { headers: admin })).status).toBe(200);
    identity.child.kill("SIGTERM");
    expect(await identity.exited).toBe(0);
    const started = performance.now();
    const res = await api.send("GET", "/v1/users", { headers: admin });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("UNAVAILABLE");
  });

  it("drains and exits 0 on SIGTERM", async () => {
    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
    const messages = jsonLines(gateway.lines).map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(["draining", "stopped"]));
  });
});

describe("gateway/main.ts with a bad environment", () => {
  it("exits 1 naming every bad variable", async () => {
    const failed = await spawnGateway({
      PORT: "http",
      UPSTREAMS: "identity=http://127.0.0.1:1,orders",
      REQUEST_TIMEOUT_MS: "0",
    }).then(
      () => expect.unreachable("the gateway started"),
      (err: Error & { code: number }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.message).toContain("invalid configuration:");
    expect(failed.message).toMatch(/PORT: expected integer/);
    expect(failed.message).toMatch(
      /UPSTREAMS: identity: "http:\/\/127.0.0.1:1" is not an https URL/,
    );
    expect(failed.message).toMatch(/REQUEST_TIMEOUT_MS: expected integer 1\.\.600000/);
  });
});
