/**
 * OWASP API Security Top 10 2023, API8: Security Misconfiguration
 * (https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/).
 * Through the real gateway with a CORS allow-list: every kind of answer
 * (200, 401, 404, 405, 413, 503) carries the security headers and
 * X-Request-ID; CORS grants exactly a listed origin, never `*`, and varies
 * on Origin; TRACE/TRACK echo nothing; an upstream failure answers the
 * envelope with no stack, path or address; no header names a server or
 * version; `/status` details stay with allow-listed clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayResponse } from "../support/gateway-http.js";
import {
  rawExchange,
  type SecurityStack,
  startSecurityStack,
  statusOf,
} from "../support/security-stack.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import type { TestUser } from "../support/test-users.js";

const APP = "https://app.example.com";

let stack: SecurityStack;
let user: TestUser;

beforeAll(async () => {
  stack = await startSecurityStack({ CORS_ORIGINS: APP, MAX_BODY_BYTES: "1024" });
  user = await stack.newUser();
});

afterAll(async () => {
  await stack?.stop();
});

const SECURITY_HEADERS = {
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function expectHardened(res: GatewayResponse, what: string) {
  expect(res.headers, what).toMatchObject(SECURITY_HEADERS);
  expect(res.headers["permissions-policy"], what).toContain("camera=()");
  expect(res.headers["x-request-id"], what).toMatch(/^[\w-]{8,}$/);
  expect(res.headers["x-powered-by"], what).toBeUndefined();
  expect(res.headers.server, what).toBeUndefined();
}

// What an error body must never hold: stack frames, source paths, addresses, driver errors.
const LEAKS = [
  /\bat \S+ \(/,
  /\.ts\b/,
  /\/work\//,
  /node_modules/,
  /127\.0\.0\.1/,
  /:\d{4,5}\b/,
  /grpc/i,
];

function expectNoLeak(res: GatewayResponse, what: string) {
  for (const leak of LEAKS) expect(res.text, `${what}: ${leak}`).not.toMatch(leak);
}

describe("API8 security misconfiguration", () => {
  it("sets the security headers and X-Request-ID on 200, 401, 404, 405, 413 and the OpenAPI document", async () => {
    const path = `/v1/users/${user.userId}`;
    const answers: [number, Promise<GatewayResponse>][] = [
      [200, stack.api.send("GET", path, { headers: user.headers })],
      [401, stack.api.send("GET", path)],
      [404, stack.api.send("GET", "/v2/nothing")],
      [405, stack.api.send("PUT", path, { headers: user.headers })],
      [
        413,
        stack.api.send("PATCH", `${path}?update_mask=display_name`, {
          json: { display_name: "x".repeat(2048) },
          headers: user.headers,
        }),
      ],
      [200, stack.api.send("GET", "/openapi.json")],
    ];
    for (const [status, pending] of answers) {
      const res = await pending;
      expect(res.status).toBe(status);
      expectHardened(res, String(status));
      if (status >= 400) expectNoLeak(res, String(status));
    }
  });

  it("grants CORS to a listed origin exactly (never *), with Vary: Origin; others get no grant", async () => {
    const get = (origin: string) =>
      stack.api.send("GET", `/v1/users/${user.userId}`, { headers: { ...user.headers, origin } });
    const allowed = await get(APP);
    expect(allowed.headers["access-control-allow-origin"]).toBe(APP);
    expect(allowed.headers.vary).toMatch(/\bOrigin\b/);
    expect(allowed.headers["access-control-allow-credentials"]).toBeUndefined();
    for (const origin of [
      "https://evil.example",
      "null",
      `${APP}.evil.example`,
      "http://app.example.com",
    ]) {
      const refused = await get(origin);
      expect(refused.headers["access-control-allow-origin"], origin).toBeUndefined();
      expect(refused.headers.vary, origin).toMatch(/\bOrigin\b/);
    }
    const preflight = await stack.api.send("OPTIONS", "/v1/users", {
      headers: { origin: "https://evil.example", "access-control-request-method": "DELETE" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses TRACE (405 from the route table) and TRACK (400 from the HTTP parser), echoing nothing", async () => {
    const secrets = { ...user.headers, cookie: "session=s3cr3t" };
    const trace = await stack.api.send("TRACE", `/v1/users/${user.userId}`, { headers: secrets });
    expect(trace.status).toBe(405);
    expectHardened(trace, "TRACE");
    // Node's parser knows no TRACK: the server answers 400 before any route,
    // still with the security headers and the envelope.
    const track = await rawExchange(
      stack.gateway.port,
      `TRACK /v1/users/${user.userId} HTTP/1.1\r\nHost: x\r\nCookie: session=s3cr3t\r\nAuthorization: ${user.headers.authorization}\r\n\r\n`,
    );
    expect(statusOf(track)).toBe(400);
    expect(track.toLowerCase()).toContain("x-content-type-options: nosniff");
    expect(track.toLowerCase()).toContain("content-security-policy: default-src 'none'");
    expect(track).toContain('"code":"MALFORMED_REQUEST"');
    for (const text of [trace.text, track]) {
      expect(text).not.toContain(user.token);
      expect(text).not.toContain("s3cr3t");
    }
  });

  it("hides /status, /metrics and the health probes from the public port", async () => {
    for (const path of ["/status", "/status/database", "/metrics", "/health/ready"]) {
      expect((await stack.api.send("GET", path)).status, path).toBe(404);
    }
  });

  it("shows a service's /status details only to allow-listed clients", async () => {
    let identity: TestIdentity | undefined;
    try {
      identity = await startTestIdentity({ STATUS_ALLOW: "192.0.2.0/24" });
      await identity.service.status.refresh();
      const res = await fetch(`http://127.0.0.1:${identity.service.adminPort}/status`);
      expect(await res.text()).toBe("status: OK\n");
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="status"');
    } finally {
      await identity?.stop();
    }
  });

  // Last: identity stays down for the rest of the file.
  it("answers an upstream failure 503 with the envelope, naming no host, port or stack", async () => {
    await stack.platform.stopIdentity();
    const res = await stack.api.send("GET", `/v1/users/${user.userId}`, { headers: user.headers });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("UNAVAILABLE");
    expectHardened(res, "503");
    expectNoLeak(res, "503");
    expect(res.text).not.toContain(String(stack.platform.orders.rpcPort));
  });
});
