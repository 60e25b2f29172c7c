/**
 * The public-edge protections as startGateway wires them from the
 * environment, in front of the real identity service: its own database,
 * security headers on every kind of response, CORS and rate limits from
 * config, and the config rules that span several variables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { ConfigError } from "../../platform/config/index.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";

const APP = "https://app.example.com";
const USER = "/v1/users/0190f3a4-5b6c-7d8e-9f00-112233445566";

let identity: TestIdentity;
let database: GatewayDatabase;
let gateway: RunningGateway;
const logLines: Record<string, unknown>[] = [];
let base: string;

beforeAll(async () => {
  identity = await startTestIdentity();
  database = await createGatewayDatabase();
  gateway = await startGateway(
    {
      ...database.env,
      PORT: "0",
      ADMIN_PORT: "0",
      CERTS_DIR: identity.certsDir,
      LOG_LEVEL: "info",
      UPSTREAMS: `identity=https://127.0.0.1:${identity.service.rpcPort}`,
      RATE_LIMIT_READ: "2/60",
      CORS_ORIGINS: APP,
      CORS_MAX_AGE_S: "300",
    },
    { logDestination: { write: (line: string) => void logLines.push(JSON.parse(line)) } },
  );
  base = `http://127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway?.stop();
  await database?.remove();
  await identity?.stop();
});

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("permissions-policy")).toContain("camera=()");
}

describe("startGateway's edge", () => {
  it("opens and migrates its own database before it serves", () => {
    const started = logLines.find((l) => l.msg === "gateway started");
    expect(started?.database).toBe(database.env.DATABASE_URL ? "postgres" : "pglite");
  });

  it("sets the security headers on API answers, the OpenAPI document and 404s", async () => {
    // Not a read route: those have their own test of the budget.
    const requests = [
      fetch(`${base}/openapi.json`),
      fetch(`${base}/v2/nothing`),
      fetch(`${base}/v1/users`, { method: "POST", body: "{}" }),
    ];
    for (const res of await Promise.all(requests)) {
      expectSecurityHeaders(res);
      expect(res.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
  });

  it("keeps the API reference page's own CSP, which admits its assets", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("answers preflights from CORS_ORIGINS and refuses others", async () => {
    const ask = (origin: string) =>
      fetch(`${base}/v1/users`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const allowed = await ask(APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-max-age")).toBe("300");
    expect((await ask("https://evil.example")).status).toBe(403);
  });

  it("limits reads to RATE_LIMIT_READ per client, then 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${base}${USER}`);
      statuses.push(last.status);
    }
    expect(statuses[2]).toBe(429);
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(last!.headers.get("retry-after")).toBe("30");
    expect(last!.headers.get("ratelimit-policy")).toBe('"read";q=2;w=60');
    expect(((await last!.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });
});

describe("startGateway's edge config", () => {
  it("refuses CORS * with credentials and inverted socket timeouts, naming both", async () => {
    const failed = await startGateway({
      PORT: "0",
      ADMIN_PORT: "0",
      CORS_ORIGINS: "*",
      CORS_ALLOW_CREDENTIALS: "true",
      HTTP_HEADERS_TIMEOUT_MS: "60000",
      HTTP_REQUEST_TIMEOUT_MS: "1000",
    }).then(
      () => expect.unreachable("the gateway started"),
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(ConfigError);
    expect((failed as ConfigError).problems).toEqual([
      expect.stringMatching(/^CORS_ORIGINS: \* cannot be combined with CORS_ALLOW_CREDENTIALS/),
      "HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS",
    ]);
  });
});
