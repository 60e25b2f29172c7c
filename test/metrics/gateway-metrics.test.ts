/**
 * The gateway's RED metrics: a real gateway in front of the real identity
 * service, scraped on its admin port like Prometheus does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { createGatewayClient, type GatewayClient } from "../support/gateway-http.js";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { adminHeaders } from "../support/test-users.js";

let identity: TestIdentity;
let gateway: RunningGateway;
let gatewayDatabase: GatewayDatabase | undefined;
let api: GatewayClient;

beforeAll(async () => {
  identity = await startTestIdentity();
  gatewayDatabase = await createGatewayDatabase();
  gateway = await startGateway({
    ...gatewayDatabase.env,
    PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: identity.certsDir,
    LOG_LEVEL: "silent",
    UPSTREAMS: `identity=https://127.0.0.1:${identity.service.rpcPort}`,
  });
  api = createGatewayClient(gateway.port);
});

afterAll(async () => {
  await gateway?.stop();
  await gatewayDatabase?.remove();
  await identity?.stop();
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheusText(await res.text());
}

const requests = (samples: readonly Sample[], labels: Record<string, string>) =>
  sampleValue(samples, "http_server_requests_total", labels) ?? 0;
const timed = (samples: readonly Sample[], route: string) =>
  sampleValue(samples, "http_server_duration_seconds_count", { route }) ?? 0;

describe("gateway /metrics", () => {
  it("counts every request by route template, method and status, and times it", async () => {
    // An admin creates users and reads any of them.
    const headers = await adminHeaders(identity.certsDir);
    const before = await scrape();
    const created: string[] = [];
    for (const name of ["A", "B"]) {
      const res = await api.send("POST", "/v1/users", {
        json: { email: `metrics-${name}@example.com`, display_name: name },
        headers,
      });
      expect(res.status).toBe(200);
      created.push(res.body.user_id);
    }
    expect((await api.send("GET", `/v1/users/${created[0]}`, { headers })).status).toBe(200);
    expect((await api.send("HEAD", `/v1/users/${created[1]}`, { headers })).status).toBe(200);
    const missing = `/v1/users/${crypto.randomUUID()}`;
    expect((await api.send("GET", missing, { headers })).status).toBe(404);
    const invalid = { json: { email: "nope" }, headers };
    expect((await api.send("POST", "/v1/users", invalid)).status).toBe(400);

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      requests(after, labels) - requests(before, labels);
    const service = "gateway";
    expect(delta({ service, route: "/v1/users", method: "POST", status: "200" })).toBe(2);
    expect(delta({ service, route: "/v1/users", method: "POST", status: "400" })).toBe(1);
    const byId = "/v1/users/{user_id}";
    expect(delta({ route: byId, method: "GET", status: "200" })).toBe(1);
    expect(delta({ route: byId, method: "HEAD", status: "200" })).toBe(1);
    expect(delta({ route: byId, method: "GET", status: "404" })).toBe(1);
    expect(timed(after, "/v1/users") - timed(before, "/v1/users")).toBe(3);
    expect(timed(after, byId) - timed(before, byId)).toBe(3);
    expect(
      sampleValue(after, "http_server_duration_seconds_bucket", { route: byId, le: "+Inf" }),
    ).toBe(timed(after, byId));
  });

  it("puts unknown paths and methods under one `unmatched` route, never the raw path", async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      expect((await api.send("GET", `/v1/nothing/${crypto.randomUUID()}`)).status).toBe(404);
    }
    expect((await api.send("PUT", "/v1/users")).status).toBe(405);

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      requests(after, labels) - requests(before, labels);
    expect(delta({ route: "unmatched", method: "GET", status: "404" })).toBe(3);
    expect(delta({ route: "unmatched", method: "PUT", status: "405" })).toBe(1);
    const routes = new Set(
      after.filter((s) => s.name === "http_server_requests_total").map((s) => s.labels["route"]),
    );
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it("records the OpenAPI document and the docs page under their own routes", async () => {
    const before = await scrape();
    expect((await api.send("GET", "/openapi.json")).status).toBe(200);
    expect((await api.send("GET", "/docs")).status).toBe(200);
    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      requests(after, labels) - requests(before, labels);
    expect(delta({ route: "/openapi.json", method: "GET", status: "200" })).toBe(1);
    expect(delta({ route: "/docs", method: "GET", status: "200" })).toBe(1);
  });

  it("serves the process metrics with service=gateway", async () => {
    const samples = await scrape();
    expect(
      sampleValue(samples, "process_cpu_seconds_total", { service: "gateway" }),
    ).toBeGreaterThan(0);
  });
});
