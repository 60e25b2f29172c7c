/**
 * Rate limits at the gateway, through a real HTTP server: per-class token
 * buckets from the proto policy, per principal or client IP, with the
 * draft-ietf-httpapi-ratelimit-headers fields and 429 + Retry-After.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import {
  TEST_PRINCIPAL_HEADER,
  testAuthenticator,
} from "../../gateway/edge/testing/test-principal.js";
import { withPolicy } from "../../gateway/edge/testing/with-policy.js";
import type { GatewayAuthenticator } from "../../gateway/runtime/create-gateway-handler.js";
import { libraryRoutes } from "../../gateway/runtime/testing/library-routes.js";
import {
  startTestGateway,
  type TestGateway,
  type TestResponse,
} from "../../gateway/runtime/testing/start-test-gateway.js";
import { testRoute } from "../../gateway/runtime/testing/test-route.js";
import { LibraryService } from "../../gen/gwtest/v1/library_pb.js";
import { RateLimitClass } from "../../gen/platform/v1/policy_pb.js";

const rpc = LibraryService.method;
const routes = [
  libraryRoutes.getShelf,
  testRoute(
    "GET",
    "/v1/read/{name=shelves/*/books/*}",
    withPolicy(rpc.getBook, { public: true, rateLimit: RateLimitClass.READ }),
    { responseBody: "book" },
  ),
  testRoute(
    "POST",
    "/v1/auth/login",
    withPolicy(rpc.cancelBook, { public: true, rateLimit: RateLimitClass.AUTH }),
    { body: "*" },
  ),
];
const rateLimits = {
  limits: {
    default: undefined,
    read: { quota: 3, windowS: 60 },
    write: { quota: 3, windowS: 60 },
    auth: { quota: 2, windowS: 60 },
    expensive: undefined,
  },
  trustedProxyHops: 0,
};

let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(authenticate: GatewayAuthenticator = testAuthenticator) {
  gateway = await startTestGateway({ routes, rateLimits, authenticate });
  return gateway;
}

const read = (g: TestGateway, user?: string) =>
  g.send("GET", "/v1/read/shelves/1/books/2", {
    headers: user === undefined ? {} : { [TEST_PRINCIPAL_HEADER]: user },
  });

const login = (g: TestGateway, user?: string) =>
  g.send("POST", "/v1/auth/login", {
    body: '{"name":"shelves/1/books/2"}',
    headers: {
      "content-type": "application/json",
      ...(user === undefined ? {} : { [TEST_PRINCIPAL_HEADER]: user }),
    },
  });

describe("rate limits", () => {
  it("describes the budget on every response, then answers 429 with Retry-After", async () => {
    const g = await start();
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const res = await read(g, "ada");
      expect(res.status).toBe(200);
      expect(res.headers["ratelimit-policy"]).toBe('"read";q=3;w=60');
      seen.push(res.headers["ratelimit"]);
    }
    expect(seen).toEqual(['"read";r=2;t=20', '"read";r=1;t=40', '"read";r=0;t=60']);

    const refused = await read(g, "ada");
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("20");
    expect(refused.headers["ratelimit"]).toBe('"read";r=0;t=60');
    expect(refused.headers["ratelimit-policy"]).toBe('"read";q=3;w=60');
    expect(refused.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(refused.text).error).toMatchObject({
      code: "RATE_LIMITED",
      message: 'rate limit "read" exceeded; retry in 20 s',
    });
    expect(g.calls).toHaveLength(3);
  });

  it("counts each principal apart, and anonymous requests per client IP", async () => {
    const g = await start();
    for (let i = 0; i < 3; i++) await read(g, "ada");
    expect((await read(g, "ada")).status).toBe(429);
    expect((await read(g, "grace")).status).toBe(200);
    expect((await read(g, "api-key:k1")).status).toBe(200);
    expect((await read(g)).headers["ratelimit"]).toBe('"read";r=2;t=20');
  });

  it("limits auth routes per client IP, whoever the caller claims to be", async () => {
    const g = await start();
    expect((await login(g, "ada")).status).toBe(200);
    expect((await login(g, "grace")).status).toBe(200);
    const refused = await login(g);
    expect(refused.status).toBe(429);
    expect(refused.headers["ratelimit-policy"]).toBe('"auth";q=2;w=60');
    expect(refused.headers["retry-after"]).toBe("30");
  });

  it("sends no rate-limit headers for a class whose limit is off", async () => {
    const g = await start();
    const res = await g.send("GET", "/v1/shelves/1");
    expect(res.status).toBe(200);
    expect(res.headers["ratelimit"]).toBeUndefined();
    expect(res.headers["ratelimit-policy"]).toBeUndefined();
  });

  it("charges refused credentials to the client IP, so guessing them is throttled", async () => {
    const refuseAll: GatewayAuthenticator = () => {
      throw new ConnectError("invalid token", Code.Unauthenticated);
    };
    const g = await start(refuseAll);
    for (let i = 0; i < 3; i++) expect((await read(g, "mallory")).status).toBe(401);
    const refused = await read(g, "mallory");
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text).error.code).toBe("RATE_LIMITED");
    expect(g.calls).toHaveLength(0);
  });

  it("answers 429 without verifying the credential once the client IP's bucket is empty", async () => {
    // An unknown API key costs identity a VerifyApiKey RPC and a query: the
    // verifications here stand for those.
    let verifications = 0;
    const unknownKey: GatewayAuthenticator = async () => {
      verifications++;
      throw new ConnectError("API key invalid", Code.Unauthenticated);
    };
    const g = await start(unknownKey);
    const statuses = [];
    let last: TestResponse | undefined;
    for (let i = 0; i < 10; i++) {
      last = await read(g, "api-key:unknown");
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect(verifications).toBe(3);
    expect(last?.headers["retry-after"]).toBe("20");
    expect(last?.headers["ratelimit-policy"]).toBe('"read";q=3;w=60');
    expect(last?.headers["ratelimit"]).toBe('"read";r=0;t=60');
    expect(last?.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(last?.text ?? "").error.code).toBe("RATE_LIMITED");
    // Auth routes (per IP whoever the caller is) are screened the same way.
    for (let i = 0; i < 3; i++) await login(g, "api-key:unknown");
    expect(verifications).toBe(5);
    expect(g.calls).toHaveLength(0);
  });

  it("keeps limiting valid credentials per principal while the IP's bucket has tokens", async () => {
    const g = await start();
    // Two anonymous reads leave the client IP one token; a principal's
    // own budget is untouched by the screen, which spends nothing.
    for (let i = 0; i < 2; i++) expect((await read(g)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await read(g, "api-key:k1")).status).toBe(200);
    expect((await read(g, "api-key:k1")).status).toBe(429);
    expect((await read(g)).headers["ratelimit"]).toBe('"read";r=0;t=60');
  });
});
