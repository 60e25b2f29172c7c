/**
 * OWASP API Security Top 10 2023, API7: Server Side Request Forgery
 * (https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/).
 * Mostly not applicable yet: no RPC takes a URL and nothing fetches one
 * (outbound webhooks are not built; when they are, their URL validation
 * and egress rules belong here). The gateway's only outbound calls go to
 * the upstreams fixed at startup (UPSTREAMS), chosen by the generated
 * route table. What is left to show is that no part of a request steers
 * them: an absolute-form request target, `Host`/`X-Forwarded-Host` naming
 * another host, CONNECT, and encoded path traversal all get the route
 * table's own answer, and a canary server they name is never contacted.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  rawExchange,
  type SecurityStack,
  startSecurityStack,
  statusOf,
} from "../support/security-stack.js";
import type { TestUser } from "../support/test-users.js";

let stack: SecurityStack;
let canary: Server;
let canaryHost: string;
let contacts = 0;
let user: TestUser;

beforeAll(async () => {
  stack = await startSecurityStack();
  canary = createServer((socket) => {
    contacts++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => canary.listen(0, "127.0.0.1", resolve));
  canaryHost = `127.0.0.1:${(canary.address() as { port: number }).port}`;
  user = await stack.newUser();
});

afterAll(async () => {
  await new Promise((resolve) => canary?.close(resolve));
  await stack?.stop();
});

function raw(requestLine: string, headers: string[] = []) {
  const lines = [requestLine, ...headers, `Authorization: ${user.headers.authorization}`];
  return rawExchange(stack.gateway.port, `${[...lines, "Connection: close", "", ""].join("\r\n")}`);
}

describe("API7 server side request forgery: no request input steers an outbound call", () => {
  it.each([
    () => `GET http://${canaryHost}/latest/meta-data HTTP/1.1`,
    () => "GET http://169.254.169.254/latest/meta-data/iam HTTP/1.1",
  ])("answers an absolute-form target from the route table, fetching nothing (%#)", async (line) => {
    const res = await raw(line(), ["Host: api.example.com"]);
    expect(statusOf(res)).toBe(404);
    expect(res).toContain('"code":"NOT_FOUND"');
    expect(contacts).toBe(0);
  });

  it("serves an absolute-form target naming another host from its own upstream", async () => {
    // RFC 9112 §3.2.2: a server accepts the absolute form; its authority
    // never chooses where the call goes.
    const res = await raw(`GET http://${canaryHost}/v1/users/${user.userId} HTTP/1.1`, [
      "Host: api.example.com",
    ]);
    expect(statusOf(res)).toBe(200);
    expect(res).toContain(user.userId);
    expect(contacts).toBe(0);
  });

  it("serves a real route to its own upstream whatever Host and X-Forwarded-Host name", async () => {
    for (const header of [
      `Host: ${canaryHost}`,
      `X-Forwarded-Host: ${canaryHost}`,
      "X-Forwarded-Host: 169.254.169.254",
      `Forwarded: host=${canaryHost};proto=http`,
    ]) {
      const res = await raw(`GET /v1/users/${user.userId} HTTP/1.1`, [
        header.startsWith("Host") ? header : "Host: api.example.com",
        header,
      ]);
      expect(statusOf(res), header).toBe(200);
      expect(res).toContain(user.userId);
    }
    expect(contacts).toBe(0);
  });

  it("does not tunnel: CONNECT to another host gets no 2xx", async () => {
    const res = await raw(`CONNECT ${canaryHost} HTTP/1.1`, [`Host: ${canaryHost}`]);
    expect(statusOf(res) < 200 || statusOf(res) >= 300).toBe(true);
    expect(contacts).toBe(0);
  });

  it.each([
    "/v1/users/..%2F..%2Fadmin",
    "/v1/users/%2e%2e%2f%2e%2e%2fidentity.v1.ApiKeyService%2fVerifyApiKey",
    "/v1/../internal",
    "/v1/users/../../grpc.health.v1.Health/Check",
    "/v1/orders/%252e%252e%252fadmin",
    `/v1/users/${"..%2F".repeat(20)}etc%2Fpasswd`,
  ])("answers path traversal %s with 4xx from the route table", async (path) => {
    const res = await stack.api.send("GET", path, { headers: user.headers });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toContain("root:");
    expect(contacts).toBe(0);
  });
});
