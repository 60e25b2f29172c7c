import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createFastGrpcTransport } from "../../platform/client/index.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { adminHeaders } from "../support/test-users.js";

let identity: TestIdentity;
beforeAll(async () => {
  identity = await startTestIdentity();
});
afterAll(() => identity.stop());

async function scrape() {
  const res = await fetch(`http://127.0.0.1:${identity.service.adminPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheusText(await res.text());
}

describe("/metrics", () => {
  it("counts every RPC by method, protocol and code, and times it", async () => {
    const users = createClient(
      UserService,
      createFastGrpcTransport({
        baseUrl: `https://127.0.0.1:${identity.service.rpcPort}`,
        tls: identity.gateway,
      }),
    );
    const admin = { headers: await adminHeaders(identity.certsDir) };
    for (let i = 0; i < 3; i++)
      await users.createUser({ email: `m${i}@example.com`, displayName: "M" }, admin);
    await users.createUser({ email: "m0@example.com", displayName: "Again" }, admin).catch((e) => {
      expect(ConnectError.from(e).code).toBe(Code.AlreadyExists);
    });

    const samples = await scrape();
    const rpc = "identity.v1.UserService/CreateUser";
    const base = { service: "identity", rpc, protocol: "grpc" };
    expect(sampleValue(samples, "rpc_server_requests_total", { ...base, code: "OK" })).toBe(3);
    expect(
      sampleValue(samples, "rpc_server_requests_total", { ...base, code: "ALREADY_EXISTS" }),
    ).toBe(1);
    expect(sampleValue(samples, "rpc_server_duration_seconds_count", { rpc })).toBe(4);
    expect(sampleValue(samples, "rpc_server_duration_seconds_bucket", { rpc, le: "+Inf" })).toBe(4);
    expect(
      sampleValue(samples, "process_cpu_seconds_total", { service: "identity" }),
    ).toBeGreaterThan(0);
  });
});
