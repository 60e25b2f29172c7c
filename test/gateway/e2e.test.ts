/**
 * The REST gateway end to end: a real gateway (startGateway) on a real
 * socket in front of the real identity service over mTLS, on PGlite (or
 * TEST_DATABASE_URL). Every response is validated against gen/openapi.json
 * by the test client, so a passing test also means the document is true.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort as unusedPort } from "../../bench/net-util.js";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { gatewayDataDir } from "../support/gateway-database.js";
import { createGatewayClient, type GatewayClient } from "../support/gateway-http.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { type AuthHeaders, adminHeaders, createGatewayUser } from "../support/test-users.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const MAX_BODY_BYTES = 4096;

let identity: TestIdentity;
let gateway: RunningGateway;
let api: GatewayClient;
// CreateUser and ListUsers are administrative; a user's own calls carry the user's token.
let admin: { headers: AuthHeaders };

beforeAll(async () => {
  identity = await startTestIdentity();
  gateway = await startGateway(gatewayEnv(`https://127.0.0.1:${identity.service.rpcPort}`));
  api = createGatewayClient(gateway.port);
  admin = { headers: await adminHeaders(identity.certsDir) };
});

afterAll(async () => {
  await gateway?.stop();
  await identity?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

// Each gateway gets its own embedded database (idempotency keys).
const dataDirs: string[] = [];

function gatewayEnv(identityUrl: string): NodeJS.ProcessEnv {
  const dataDir = gatewayDataDir();
  dataDirs.push(dataDir);
  return {
    DATA_DIR: dataDir,
    PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: identity.certsDir,
    LOG_LEVEL: "silent",
    UPSTREAMS: `identity=${identityUrl}`,
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  };
}

let emails = 0;
async function createUser(name = "Ada") {
  const created = await createGatewayUser(api, identity.certsDir, {
    email: `user${++emails}@example.com`,
    displayName: name,
  });
  const user = created.body as {
    user_id: string;
    email: string;
    display_name: string;
    version: string;
  };
  return { user, as: { headers: created.headers } };
}

describe("users through the gateway", () => {
  it("pages with limit, next_cursor and has_more, oldest first", async () => {
    const ids = [(await createUser("A")).user.user_id, (await createUser("B")).user.user_id];
    ids.push((await createUser("C")).user.user_id);

    const first = await api.send("GET", "/v1/users?limit=2", admin);
    expect(first.status).toBe(200);
    expect(first.body.data.map((u: { user_id: string }) => u.user_id)).toEqual(ids.slice(0, 2));
    expect(first.body.has_more).toBe(true);
    expect(first.body.next_cursor).not.toBe("");

    const cursor = encodeURIComponent(first.body.next_cursor);
    const second = await api.send("GET", `/v1/users?limit=2&cursor=${cursor}`, admin);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ has_more: false, next_cursor: "" });
    expect(second.body.data.map((u: { user_id: string }) => u.user_id)).toEqual(ids.slice(2));
  });

  it("creates a user: 200 with snake_case ProtoJSON, int64 version as a string", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "grace@example.com", display_name: "Grace" },
      ...admin,
    });
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toMatchObject({
      user_id: expect.stringMatching(UUID),
      email: "grace@example.com",
      display_name: "Grace",
      create_time: expect.stringMatching(RFC3339_UTC),
      update_time: expect.stringMatching(RFC3339_UTC),
      version: "1",
    });
    for (const key of Object.keys(res.body)) expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it("accepts lowerCamelCase JSON names on input", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "camel@example.com", displayName: "Camel" },
      ...admin,
    });
    expect(res.status).toBe(200);
    expect(res.body.display_name).toBe("Camel");
  });

  it("gets a user by id", async () => {
    const { user, as } = await createUser("Lin");
    const res = await api.send("GET", `/v1/users/${user.user_id}`, as);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(user);
  });

  // update_mask is a FieldMask: in a URL its ProtoJSON form, lowerCamelCase
  // paths separated by commas (as gen/openapi.json documents it).
  it("updates the fields named by update_mask in the query", async () => {
    const { user, as } = await createUser("Before");
    const path = `/v1/users/${user.user_id}`;
    const renamed = await api.send("PATCH", `${path}?update_mask=displayName`, {
      json: { display_name: "After" },
      ...as,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ user_id: user.user_id, display_name: "After" });
    expect(renamed.body.version).toBe("2");

    const again = await api.send("PATCH", `${path}?update_mask=displayName&version=2`, {
      json: { display_name: "Again" },
      ...as,
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ display_name: "Again", version: "3" });
    expect(again.body.email).toBe(user.email);
  });

  it("answers a stale version with 409 ABORTED", async () => {
    const { user, as } = await createUser();
    const res = await api.send(
      "PATCH",
      `/v1/users/${user.user_id}?update_mask=displayName&version=7`,
      {
        json: { display_name: "Late" },
        ...as,
      },
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ABORTED");
  });

  it("deletes a user; then it is 404 NOT_FOUND", async () => {
    const { user, as } = await createUser();
    const deleted = await api.send("DELETE", `/v1/users/${user.user_id}`, as);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    const gone = await api.send("GET", `/v1/users/${user.user_id}`, as);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: "NOT_FOUND", details: [] });
  });
});

describe("errors through the gateway", () => {
  it("a protovalidate violation is 400 VALIDATION_FAILED naming the field", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "not-an-email", display_name: "Ada" },
      ...admin,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details[0].field).toBe("email");
    expect(res.body.error.details[0].reason).not.toBe("");
    expect(res.body.error.request_id).toBe(res.headers["x-request-id"]);
  });

  it("a taken email is 409", async () => {
    const { user } = await createUser();
    const res = await api.send("POST", "/v1/users", {
      json: { email: user.email.toUpperCase(), display_name: "Copy" },
      ...admin,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ALREADY_EXISTS");
  });

  it("a malformed id in the path is 400 naming user_id", async () => {
    const res = await api.send("GET", "/v1/users/not-a-uuid", admin);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe("user_id");
  });

  it("an unknown path is 404 NOT_FOUND", async () => {
    const res = await api.send("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("a known path with another method is 405 with Allow", async () => {
    const res = await api.send("PUT", "/v1/users");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD, POST");
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("a body over MAX_BODY_BYTES is 413", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "big@example.com", display_name: "x".repeat(MAX_BODY_BYTES) },
      ...admin,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a body that is not JSON is 415", async () => {
    const res = await api.send("POST", "/v1/users", {
      body: "email=a@example.com",
      headers: { "content-type": "application/x-www-form-urlencoded", ...admin.headers },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("malformed JSON is 400 MALFORMED_JSON", async () => {
    const res = await api.send("POST", "/v1/users", {
      body: '{"email": ',
      headers: { "content-type": "application/json", ...admin.headers },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("MALFORMED_JSON");
  });

  it("an unknown JSON field is 400, not silently dropped", async () => {
    const res = await api.send("POST", "/v1/users", {
      json: { email: "extra@example.com", display_name: "Extra", is_admin: true },
      ...admin,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_ARGUMENT");
    expect(res.body.error.message).toContain("is_admin");
  });
});

describe("request ids", () => {
  it("echoes a well-formed X-Request-ID, in the header and in error envelopes", async () => {
    const headers = { "x-request-id": "req-e2e-123", ...admin.headers };
    const ok = await api.send("GET", "/v1/users?limit=1", { headers });
    expect(ok.headers["x-request-id"]).toBe("req-e2e-123");
    const failed = await api.send("GET", "/v1/nothing", { headers });
    expect(failed.body.error.request_id).toBe("req-e2e-123");
  });

  it("replaces a missing or malformed one with a UUID", async () => {
    const res = await api.send("GET", "/v1/users?limit=1", {
      headers: { "x-request-id": "bad id\twith spaces", ...admin.headers },
    });
    expect(res.headers["x-request-id"]).toMatch(UUID);
  });
});

describe("the OpenAPI document", () => {
  it("is served at /openapi.json with an ETag and public caching", async () => {
    const res = await api.send("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["cache-control"]).toBe("public, max-age=300");
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toContain("/v1/users/{user_id}");

    const again = await api.send("GET", "/openapi.json", {
      headers: { "if-none-match": res.headers.etag as string },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
  });

  it("refuses other methods with the 405 envelope", async () => {
    const res = await api.send("DELETE", "/openapi.json");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
  });
});

describe("the API reference page", () => {
  it("is served at /docs, with its assets, from the gateway's own origin", async () => {
    const page = await api.send("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.text).toContain("/openapi.json");
    const asset = /src="(\/docs\/assets\/[^"]+)"/.exec(page.text)?.[1];
    expect(asset).toBeDefined();
    expect((await api.send("GET", asset!)).status).toBe(200);
  });

  it("leaves other /docs… paths to the routes (404 envelope)", async () => {
    const res = await api.send("GET", "/docsx");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });
});

describe("an unreachable upstream", () => {
  it("is 503 UNAVAILABLE within 2 s, not a hang", async () => {
    const closedPort = await unusedPort();
    const down = await startGateway(gatewayEnv(`https://127.0.0.1:${closedPort}`));
    try {
      const started = performance.now();
      // With identity down the gateway cannot check the token either: still 503, not 401.
      const res = await createGatewayClient(down.port).send("GET", "/v1/users", admin);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("UNAVAILABLE");
      expect(res.body.error.message).not.toContain("127.0.0.1");
    } finally {
      await down.stop();
    }
  });
});
