import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { createFastGrpcTransport, type FastGrpcTransport } from "../../platform/client/index.js";
import type { EventBroker } from "../../platform/events/broker.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { ordersService } from "../../services/orders/orders-service.js";
import { getStatus, startIdentityWith, type TestService } from "./status-http.js";

// Checks every 200 ms, so the page follows the upstream within a second.
const STATUS = { STATUS_INTERVAL_MS: "200", STATUS_TIMEOUT_MS: "1000" };

let scratch: string;
let broker: EventBroker;
let identity: TestService | undefined;
let identityPort: number;
let orders: RunningService;
let transport: FastGrpcTransport;
let ordersClient: Client<typeof OrderService>;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pp-status-upstreams-"));
  // identity and orders share one in-process broker, as `npm start` runs them.
  broker = createMemoryBroker({});
  identity = await startIdentityWith(STATUS, { scratch, broker });
  identityPort = identity.service.rpcPort;
  orders = await startService(
    ordersService,
    {
      ...STATUS,
      RPC_PORT: "0",
      ADMIN_PORT: "0",
      CERTS_DIR: join(scratch, "certs"),
      DATA_DIR: join(scratch, "orders"),
      LOG_LEVEL: "silent",
      UPSTREAMS: `identity=https://127.0.0.1:${identityPort}`,
    },
    { broker },
  );
  const tls = await ensureServiceCert(join(scratch, "certs"), { service: "gateway" });
  transport = createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${orders.rpcPort}`, tls });
  ordersClient = createClient(OrderService, transport);
});
afterAll(async () => {
  await transport?.close();
  await orders?.stop();
  await identity?.stop();
  await broker?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const ordersStatus = (path = "/status") => getStatus(orders.adminPort, path);

describe("orders' /status follows its identity upstream", () => {
  it("shows identity under upstreams, serving with its circuit closed, and the outbox lag", async () => {
    await expect
      .poll(async () => (await ordersStatus()).fields.get("upstreams_identity_health"), {
        timeout: 10_000,
      })
      .toBe("SERVING");
    const { code, fields } = await ordersStatus();
    expect(code).toBe(200);
    expect(fields.get("status")).toBe("OK");
    expect(fields.get("upstreams_count")).toBe("1");
    expect(fields.get("upstreams_identity_circuit")).toBe("closed");
    expect(fields.get("events_outbox_lag_ms")).toBe("0");
  });

  it("turns ERROR with 503 when identity goes away and the breaker opens, and OK when it is back", async () => {
    await identity!.stop();
    identity = undefined;
    // Calls that need identity fail, opening the circuit.
    for (let i = 0; i < 3; i++) {
      await ordersClient
        .createOrder({
          userId: crypto.randomUUID(),
          items: [{ sku: "a", quantity: 1, unitPriceCents: 1n }],
          currency: "EUR",
        })
        .catch(() => {});
    }
    await expect.poll(async () => (await ordersStatus()).code, { timeout: 10_000 }).toBe(503);
    const down = await ordersStatus();
    expect(down.fields.get("status")).toBe("ERROR upstreams: identity circuit open");
    expect(down.fields.get("upstreams_status")).toBe("ERROR identity circuit open");
    expect(down.fields.get("upstreams_identity_circuit")).toBe("open");
    expect(down.fields.get("database_status")).toBe("OK");
    expect(await ordersStatus("/status/health")).toMatchObject({
      code: 503,
      text: "status: ERROR\n",
    });
    const json = JSON.parse((await ordersStatus("/status/upstreams?format=json")).text);
    expect(json.subsystems.upstreams).toMatchObject({
      status: "ERROR",
      message: "identity circuit open",
    });
    const metrics = await (await fetch(`http://127.0.0.1:${orders.adminPort}/metrics`)).text();
    expect(metrics).toContain('status_check{subsystem="upstreams",service="orders"} 2');

    // Back on the same port: the status check's health call is the probe that closes the circuit.
    identity = await startIdentityWith(
      { ...STATUS, RPC_PORT: String(identityPort) },
      { scratch, broker },
    );
    await expect.poll(async () => (await ordersStatus()).code, { timeout: 15_000 }).toBe(200);
    const up = await ordersStatus();
    expect(up.fields.get("status")).toBe("OK");
    expect(up.fields.get("upstreams_identity_circuit")).toBe("closed");
    expect(await ordersStatus("/status/health")).toMatchObject({ code: 200, text: "status: OK\n" });
  });
});
