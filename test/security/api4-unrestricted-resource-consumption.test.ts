/**
 * OWASP API Security Top 10 2023, API4: Unrestricted Resource Consumption
 * (https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/).
 * Through the real gateway, with small limits from its config: an
 * oversized body is 413 before it is read, a page size past the contract's
 * maximum is 400, a client over its budget gets 429 with `Retry-After` and
 * the RateLimit fields, a client too slow with its headers is cut off, and
 * a huge request line is refused by the HTTP parser, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../platform/auth/api-key-format.js";
import type { GatewayResponse } from "../support/gateway-http.js";
import { parsePrometheusText } from "../support/prometheus-text.js";
import {
  rawExchange,
  type SecurityStack,
  startSecurityStack,
  statusOf,
} from "../support/security-stack.js";
import { adminHeaders } from "../support/test-users.js";

const MAX_BODY = 1024;

let stack: SecurityStack;

beforeAll(async () => {
  stack = await startSecurityStack({
    MAX_BODY_BYTES: String(MAX_BODY),
    RATE_LIMIT_READ: "3/60",
    HTTP_HEADERS_TIMEOUT_MS: "1000",
    HTTP_REQUEST_TIMEOUT_MS: "2000",
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("API4 unrestricted resource consumption", () => {
  it("refuses a body over MAX_BODY_BYTES with 413, by Content-Length and by counting a chunked one", async () => {
    const user = await stack.newUser();
    const res = await stack.api.send("PATCH", `/v1/users/${user.userId}?update_mask=display_name`, {
      json: { display_name: "x".repeat(MAX_BODY * 2) },
      headers: user.headers,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(res.headers.connection).toBe("close");
    // No Content-Length to check up front: the gateway counts while reading.
    const chunk = `{"display_name":"${"y".repeat(MAX_BODY * 4)}"}`;
    const raw = await rawExchange(
      stack.gateway.port,
      [
        `PATCH /v1/users/${user.userId}?update_mask=display_name HTTP/1.1`,
        "Host: api.example.com",
        `Authorization: ${user.headers.authorization}`,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "",
        `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      ].join("\r\n"),
    );
    expect(statusOf(raw)).toBe(413);
    expect(
      (await stack.api.send("GET", `/v1/users/${user.userId}`, { headers: user.headers })).body
        .display_name,
    ).toBe("Test");
  });

  it.each([
    "101",
    "10000",
    "-1",
    "99999999999",
  ])("refuses ListApiKeys with limit=%s past the contract's page maximum (400)", async (limit) => {
    const user = await stack.newUser();
    const res = await stack.api.send("GET", `/v1/api-keys?limit=${limit}`, {
      headers: user.headers,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toMatch(/^(VALIDATION_FAILED|INVALID_ARGUMENT)$/);
  });

  it("refuses ListUsers with limit=101 or 10000 (400), even to an admin", async () => {
    // Two reads: the admin's read budget here is 3.
    const admin = await adminHeaders(stack.certsDir);
    for (const limit of ["101", "10000"]) {
      const res = await stack.api.send("GET", `/v1/users?limit=${limit}`, { headers: admin });
      expect(res.status, limit).toBe(400);
    }
  });

  it("answers a client over its read budget 429 with Retry-After, RateLimit and RateLimit-Policy; others keep theirs", async () => {
    const [user, other] = [await stack.newUser(), await stack.newUser()];
    const read = (u: typeof user) =>
      stack.api.send("GET", `/v1/users/${u.userId}`, { headers: u.headers });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await read(user)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await read(user);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["ratelimit-policy"]).toBe('"read";q=3;w=60');
    expect(limited.headers.ratelimit).toMatch(/^"read";r=0;t=\d+$/);
    expect((await read(other)).status).toBe(200);
  });

  it("stops verifying unknown API keys once the client's budget is spent: 429 with no call to identity", async () => {
    // VerifyApiKey answers identity has given, whatever their code.
    const verifications = async () => {
      const res = await fetch(`http://127.0.0.1:${stack.platform.identity.adminPort}/metrics`);
      return parsePrometheusText(await res.text())
        .filter(
          (s) =>
            s.name === "rpc_server_requests_total" &&
            s.labels.rpc === "identity.v1.ApiKeyService/VerifyApiKey",
        )
        .reduce((sum, s) => sum + s.value, 0);
    };
    const user = await stack.newUser();
    const before = await verifications();
    const statuses = [];
    let limited: GatewayResponse | undefined;
    for (let i = 0; i < 12; i++) {
      // A client of its own, and a new well-formed key each time: no cached answer.
      limited = await stack.api.send("GET", `/v1/users/${user.userId}`, {
        headers: { authorization: `Bearer ${generateApiKey().secret}` },
        localAddress: "127.0.0.44",
      });
      statuses.push(limited.status);
    }
    expect(statuses).toEqual([401, 401, 401, ...Array(9).fill(429)]);
    expect((await verifications()) - before).toBe(3);
    expect(limited?.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited?.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited?.headers.ratelimit).toMatch(/^"read";r=0;t=\d+$/);
  });

  it("cuts off a client that sends its headers too slowly (slowloris): 408, connection closed", async () => {
    const started = Date.now();
    const raw = await rawExchange(
      stack.gateway.port,
      "GET /v1/users HTTP/1.1\r\nHost: api.example.com\r\nX-Slow: 1\r\n",
      5_000,
    );
    expect(statusOf(raw)).toBe(408);
    // HTTP_HEADERS_TIMEOUT_MS is 1 s, checked every second: well before our 5 s.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("refuses a huge request line or header block in the HTTP parser (431), never a 500", async () => {
    for (const size of [20_000, 200_000]) {
      const raw = await rawExchange(
        stack.gateway.port,
        `GET /v1/users?cursor=${"a".repeat(size)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(raw), String(size)).toBe(431);
    }
  });

  it("caps what a long path echoes back: the 404 message never mirrors the whole request", async () => {
    const path = `/v1/${"a".repeat(8_000)}`;
    const res = await stack.api.send("GET", path);
    expect(res.status).toBe(404);
    expect(res.text.length).toBeLessThan(1_000);
  });
});
