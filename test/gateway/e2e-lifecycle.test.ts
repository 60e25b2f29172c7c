/**
 * The gateway's edges in time: what reaches the upstream (request id,
 * authorization, deadline), a deadline that runs out, and a graceful drain
 * with a request in flight. The upstream is the platform's real RPC server
 * (mTLS, policy, validation) with a UserService whose GetUser waits on
 * cue, so timing is controlled; everything else is the real gateway.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { UserSchema } from "../../gen/identity/v1/user_pb.js";
import {
  type GetUserRequest,
  GetUserResponseSchema,
  UserService,
} from "../../gen/identity/v1/user_service_pb.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { createGatewayClient } from "../support/gateway-http.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki, type TestPki } from "../support/test-pki.js";
import { bearer, mintTestToken } from "../support/test-tokens.js";

function idWithDelay(ms: number): string {
  return `0190f3a4-5b6c-7d8e-9f00-112233445${ms.toString(16).padStart(3, "0")}`;
}
const USER_ID = idWithDelay(0);
const REQUEST_TIMEOUT_MS = 400;

interface SeenCall {
  readonly userId: string;
  readonly headers: Record<string, string>;
  readonly aborted: () => boolean;
}

// GetUser answers after the delay its id asks for:
// the last 3 hex digits of the id are the delay in ms (0 = at once).
const seen: SeenCall[] = [];
async function getUser(req: GetUserRequest, ctx: HandlerContext) {
  const headers: Record<string, string> = {};
  ctx.requestHeader.forEach((value, name) => {
    headers[name] = value;
  });
  const { signal } = ctx;
  seen.push({ userId: req.userId, headers, aborted: () => signal.aborted });
  const delayMs = Number.parseInt(req.userId.slice(-3), 16);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  return create(GetUserResponseSchema, {
    user: create(UserSchema, { userId: req.userId, email: "ada@example.com", displayName: "Ada" }),
  });
}

let pki: TestPki;
let upstream: StartedRpcServer;
// The upstream verifies the caller's token, as every service does.
let auth: { authorization: string };

beforeAll(async () => {
  pki = await createTestPki();
  auth = { authorization: bearer(await mintTestToken(pki.dir, USER_ID)) };
  const identity: ServiceRegistration<typeof UserService> = {
    service: UserService,
    impl: { getUser },
  };
  upstream = await startRpcServer(pki, "identity", [identity]);
});

afterAll(async () => {
  await upstream?.stop();
  for (const database of databases) await database.remove();
});

// Each gateway gets its own database: several run at once here.
const databases: GatewayDatabase[] = [];

async function start(extra: NodeJS.ProcessEnv = {}): Promise<RunningGateway> {
  const database = await createGatewayDatabase();
  databases.push(database);
  return startGateway({
    ...database.env,
    PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: pki.dir,
    LOG_LEVEL: "silent",
    UPSTREAMS: `identity=${upstream.baseUrl}`,
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    ...extra,
  });
}

describe("what the upstream receives", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await start();
  });
  afterAll(() => gateway.stop());

  it("propagates X-Request-ID, Authorization and the deadline, and nothing else of the client's", async () => {
    seen.length = 0;
    const res = await createGatewayClient(gateway.port).send("GET", `/v1/users/${USER_ID}`, {
      headers: {
        "x-request-id": "req-propagated-1",
        ...auth,
        cookie: "session=secret",
        "x-forwarded-for": "203.0.113.9",
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(USER_ID);
    const { headers } = seen[0]!;
    expect(headers["x-request-id"]).toBe("req-propagated-1");
    expect(headers.authorization).toBe(auth.authorization);
    expect(headers.cookie).toBeUndefined();
    expect(headers["x-forwarded-for"]).toBeUndefined();
    // grpc-timeout carries the request timeout (gRFC: value + unit, here "400m" or just below).
    const timeout = /^(\d+)m$/.exec(headers["grpc-timeout"] ?? "");
    expect(Number(timeout?.[1])).toBeGreaterThan(REQUEST_TIMEOUT_MS - 50);
    expect(Number(timeout?.[1])).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
  });

  it("answers 504 DEADLINE_EXCEEDED when the upstream outlives REQUEST_TIMEOUT_MS", async () => {
    const started = performance.now();
    const res = await createGatewayClient(gateway.port).send(
      "GET",
      `/v1/users/${idWithDelay(900)}`,
      { headers: auth },
    );
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("DEADLINE_EXCEEDED");
    expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 300);
  });

  it("answers /health/ready 200 while serving", async () => {
    const res = await fetch(`http://127.0.0.1:${gateway.adminPort}/health/ready`);
    expect(res.status).toBe(200);
  });
});

describe("graceful shutdown", () => {
  it("turns readiness 503, finishes the request in flight, then stops accepting", async () => {
    const gateway = await start({ SHUTDOWN_DELAY_MS: "150", REQUEST_TIMEOUT_MS: "5000" });
    const api = createGatewayClient(gateway.port);
    const inFlight = api.send("GET", `/v1/users/${idWithDelay(400)}`, { headers: auth });
    await new Promise((r) => setTimeout(r, 100));

    const stopped = gateway.stop();
    const ready = await fetch(`http://127.0.0.1:${gateway.adminPort}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe("draining\n");

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(idWithDelay(400));
    await stopped;
    await expect(api.send("GET", `/v1/users/${USER_ID}`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("cuts a request that outlives SHUTDOWN_TIMEOUT_MS, cancelling its RPC, and still stops", async () => {
    const gateway = await start({ SHUTDOWN_TIMEOUT_MS: "100", REQUEST_TIMEOUT_MS: "5000" });
    const inFlight = createGatewayClient(gateway.port)
      .send("GET", `/v1/users/${idWithDelay(2000)}`, { headers: auth })
      .then(
        () => "answered",
        () => "cut",
      );
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await gateway.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await inFlight).toBe("cut");
    // The client went away, so the RPC was cancelled rather than left to run.
    const call = seen.find((c) => c.userId === idWithDelay(2000));
    await expect.poll(() => call?.aborted(), { timeout: 1000 }).toBe(true);
  });
});
