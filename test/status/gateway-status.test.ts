import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/net-util.js";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { getStatus, startIdentityWith, type TestService } from "./status-http.js";

const STATUS = { STATUS_INTERVAL_MS: "200", STATUS_TIMEOUT_MS: "1000" };

let identity: TestService;
let database: GatewayDatabase;
let gateway: RunningGateway;
let stopped: Promise<void> | undefined;

beforeAll(async () => {
  identity = await startIdentityWith(STATUS);
  database = await createGatewayDatabase();
  gateway = await startGateway({
    ...database.env,
    ...STATUS,
    PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: identity.env.CERTS_DIR!,
    DATA_DIR: join(identity.env.DATA_DIR!, "gateway"),
    LOG_LEVEL: "silent",
    SHUTDOWN_DELAY_MS: "1000",
    UPSTREAMS: [
      `identity=https://127.0.0.1:${identity.service.rpcPort}`,
      `orders=https://127.0.0.1:${await freePort()}`,
    ].join(","),
  });
});
afterAll(async () => {
  await (stopped ?? gateway?.stop());
  await database?.remove();
  await identity?.stop();
});

const gatewayStatus = (path = "/status") => getStatus(gateway.adminPort, path);

describe("the gateway's /status", () => {
  it("checks its database and each upstream: identity serving, orders unreachable (WARN, still 200)", async () => {
    // Each subsystem reports on its own: wait until both have run.
    await expect
      .poll(
        async () => {
          const { fields } = await gatewayStatus();
          return [fields.get("upstreams_identity_health"), fields.get("database_status")];
        },
        { timeout: 10_000 },
      )
      .toEqual(["SERVING", "OK"]);
    const { code, fields } = await gatewayStatus();
    expect(code).toBe(200);
    expect(fields.get("database_status")).toBe("OK");
    expect(fields.get("upstreams_count")).toBe("2");
    expect(fields.get("upstreams_identity_circuit")).toBe("closed");
    expect(fields.get("upstreams_status")).toMatch(/^WARN .*orders/);
    expect(fields.get("status")).toMatch(/^WARN upstreams: .*orders/);
    expect(fields.get("node_version")).toBe(process.version);
    expect(await gatewayStatus("/status/health")).toMatchObject({ code: 200 });
    const json = JSON.parse((await gatewayStatus("/status/database?format=json")).text);
    expect(json.subsystems.database).toMatchObject({ status: "OK" });
  });

  it("turns 503 the moment the gateway starts draining, with readiness", async () => {
    stopped = gateway.stop();
    expect((await gatewayStatus()).code).toBe(503);
    expect((await gatewayStatus("/status/health")).code).toBe(503);
    const ready = await fetch(`http://127.0.0.1:${gateway.adminPort}/health/ready`);
    expect(ready.status).toBe(503);
    await stopped;
  });
});
