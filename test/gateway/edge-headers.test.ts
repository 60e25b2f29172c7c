/**
 * Edge hygiene through a real HTTP server: security headers on every
 * response, the CORS allow-list with preflights, and Cache-Control on
 * private and non-GET answers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../gateway/edge/security-headers.js";
import {
  TEST_PRINCIPAL_HEADER,
  testAuthenticator,
} from "../../gateway/edge/testing/test-principal.js";
import type { GatewayHandlerOptions } from "../../gateway/runtime/create-gateway-handler.js";
import {
  startTestGateway,
  type TestGateway,
  type TestResponse,
} from "../../gateway/runtime/testing/start-test-gateway.js";

const APP = "https://app.example.com";
const json = { "content-type": "application/json" };

let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(options: Partial<GatewayHandlerOptions> = {}) {
  gateway = await startTestGateway({ authenticate: testAuthenticator, ...options });
  return gateway;
}

function expectSecurityHeaders(res: TestResponse) {
  expect(res.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
  expect(res.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(res.headers["x-content-type-options"]).toBe("nosniff");
  expect(res.headers["x-frame-options"]).toBe("DENY");
  expect(res.headers["referrer-policy"]).toBe("no-referrer");
  expect(res.headers["permissions-policy"]).toMatch(/camera=\(\).*geolocation=\(\)/);
  for (const [name] of SECURITY_HEADERS) expect(res.headers[name]).toBeDefined();
}

const preflight = (g: TestGateway, origin: string, method = "POST") =>
  g.send("OPTIONS", "/v1/shelves/1/books", {
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "content-type, idempotency-key",
    },
  });

describe("security headers", () => {
  it("are on successes, errors, unknown paths and wrong methods alike", async () => {
    const g = await start({ cors: { origins: [APP], allowCredentials: false, maxAgeS: 600 } });
    const responses = [
      await g.send("GET", "/v1/shelves/1/books/2"),
      await g.send("GET", "/v1/shelves/1/books/internal"),
      await g.send("POST", "/v1/shelves/1/books", { body: "{", headers: json }),
      await g.send("GET", "/v2/nothing"),
      await g.send("DELETE", "/v1/shelves/1"),
      await preflight(g, APP),
      await preflight(g, "https://evil.example"),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 500, 400, 404, 405, 204, 403]);
    for (const res of responses) expectSecurityHeaders(res);
  });
});

describe("CORS", () => {
  const cors = { origins: [APP, "http://localhost:3000"], allowCredentials: true, maxAgeS: 600 };

  it("answers a preflight from a listed origin with 204 and what it may send", async () => {
    const g = await start({ cors });
    const res = await preflight(g, APP);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": APP,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(res.headers["access-control-allow-headers"]).toContain("idempotency-key");
    expect(res.headers["access-control-allow-headers"]).toContain("authorization");
    expect(g.calls).toHaveLength(0);
  });

  it("refuses a preflight from any other origin with 403 and no CORS grant", async () => {
    const g = await start({ cors });
    const res = await preflight(g, "https://app.example.com.evil.test");
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.code).toBe("CORS_ORIGIN_NOT_ALLOWED");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["vary"]).toBe("Origin");
  });

  it("lets a listed origin read the answer and the headers clients need", async () => {
    const g = await start({ cors });
    const res = await g.send("GET", "/v1/shelves/1/books/2", { headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    const exposed = res.headers["access-control-expose-headers"];
    const names = exposed?.split(", ");
    for (const name of ["x-request-id", "ratelimit", "retry-after", "idempotent-replayed"]) {
      expect(names).toContain(name);
    }
    // Deprecation's Link (the migration guide) and a 405's Allow.
    expect(names).toContain("link");
    expect(names).toContain("allow");
  });

  it("serves other origins without a grant, so browsers withhold the answer", async () => {
    const g = await start({ cors });
    const res = await g.send("GET", "/v1/shelves/1/books/2", {
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["vary"]).toBe("Origin");
  });

  it("sends no CORS headers at all without an allow-list", async () => {
    const g = await start();
    const res = await preflight(g, APP);
    expect(res.status).toBe(405);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["vary"]).toBeUndefined();
  });
});

describe("Cache-Control", () => {
  it("is no-store for an authenticated request, absent for an anonymous GET", async () => {
    const g = await start();
    const anonymous = await g.send("GET", "/v1/shelves/1/books/2");
    expect(anonymous.headers["cache-control"]).toBeUndefined();
    const signedIn = await g.send("GET", "/v1/shelves/1/books/2", {
      headers: { [TEST_PRINCIPAL_HEADER]: "ada" },
    });
    expect(signedIn.headers["cache-control"]).toBe("no-store");
  });

  it("is no-store for every non-GET answer, such as one carrying tokens", async () => {
    const g = await start();
    const res = await g.send("POST", "/v1/shelves/1/books/2:cancel", { body: "{}", headers: json });
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
  });
});
