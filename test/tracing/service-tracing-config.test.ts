import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createFastGrpcTransport } from "../../platform/client/index.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";
import { spawnService } from "../support/spawn-service.js";
import { adminHeaders } from "../support/test-users.js";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";

let receiver: OtlpReceiver;
let identity: RunningService;
const scratch = mkdtempSync(join(tmpdir(), "pp-otel-"));

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  identity = await startService(identityService, {
    RPC_PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: join(scratch, "certs"),
    DATA_DIR: join(scratch, "data"),
    LOG_LEVEL: "silent",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  });
});
afterAll(async () => {
  await identity?.stop();
  await receiver?.close();
});

describe("OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("turns tracing on for a service and its spans reach the collector by the end of its drain", async () => {
    const tls = await ensureServiceCert(join(scratch, "certs"), { service: "gateway" });
    const users = createClient(
      UserService,
      createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${identity.rpcPort}`, tls }),
    );
    const admin = { headers: await adminHeaders(join(scratch, "certs")) };
    await users.createUser({ email: "traced@example.com", displayName: "Traced" }, admin);
    await identity.stop(); // the drain flushes the batch processor
    const spans = receiver.spans();
    const server = spans.find((s) => s.name === "identity.v1.UserService/CreateUser");
    expect(server?.kind).toBe("SPAN_KIND_SERVER");
    expect(
      spans.some(
        (s) => s.traceId === server?.traceId && s.attributes["db.query.text"] !== undefined,
      ),
    ).toBe(true);
    expect(JSON.stringify(spans)).not.toContain("traced@example.com");
  });
});

describe("OTEL_EXPORTER_OTLP_HEADERS", () => {
  it("goes with every export of a service process as metadata, and never into its logs", async () => {
    const collector = await startOtlpReceiver();
    const secret = "k-3f9a1c";
    const service = await spawnService("identity", {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${secret},x-tenant=ops`,
    });
    try {
      const tls = await ensureServiceCert(service.certsDir, { service: "gateway" });
      const users = createClient(
        UserService,
        createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${service.rpcPort}`, tls }),
      );
      const admin = { headers: await adminHeaders(service.certsDir) };
      await users.listUsers({}, admin);
      service.child.kill("SIGTERM"); // the drain flushes the batch processor
      expect(await service.exited).toBe(0);
      expect(collector.spans().some((s) => s.name === "identity.v1.UserService/ListUsers")).toBe(
        true,
      );
      expect(collector.metadata().length).toBeGreaterThan(0);
      for (const metadata of collector.metadata()) {
        expect(metadata).toMatchObject({ "x-collector-key": secret, "x-tenant": "ops" });
      }
      expect(service.lines.join("\n")).not.toContain(secret);
    } finally {
      service.child.kill("SIGKILL");
      await collector.close();
    }
  });
});
