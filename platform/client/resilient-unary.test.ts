import type { DescMethodUnary } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { routes } from "../../gen/gateway/routes.js";
import { GetUserResponseSchema } from "../../gen/identity/v1/user_service_pb.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { type RetrySettings, resilientUnary } from "./resilient-unary.js";
import { createRetryBudget } from "./retry-budget.js";

const identityRoutes = routes.filter((r) => r.upstream === "identity");
const route = (rpc: string) =>
  identityRoutes.find((r) => r.method.name === rpc)!.method as DescMethodUnary;
// GetUser is `idempotent: true` in its proto policy; CreateUser is not.
const getUser = route("GetUser");
const createUser = route("CreateUser");
const FAST_RETRY: RetrySettings = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

interface Attempt {
  readonly timeoutMs: number | undefined;
  readonly headers: Headers;
}

/** fakeUpstream fails with the given codes in turn, then answers. */
function fakeUpstream(failures: Code[]) {
  const attempts: Attempt[] = [];
  const unary = (async (
    _method: unknown,
    _signal: unknown,
    timeoutMs: number | undefined,
    header: ConstructorParameters<typeof Headers>[0],
  ) => {
    attempts.push({ timeoutMs, headers: new Headers(header) });
    const code = failures.shift();
    if (code !== undefined) throw new ConnectError("failed", code);
    return { message: create(GetUserResponseSchema, {}) };
  }) as unknown as Transport["unary"];
  const upstream = {
    upstream: "identity",
    breaker: createCircuitBreaker({ failureThreshold: 3, openMs: 60_000 }),
    budget: createRetryBudget(),
    retry: FAST_RETRY,
    defaultTimeoutMs: 10_000,
  };
  const resilient = resilientUnary(unary, upstream);
  const call = (method: DescMethodUnary, message: unknown, ctx: ReturnType<typeof context>) =>
    resilient(method, ctx.signal, ctx.timeoutMs, ctx.headers, message as never);
  return { call, attempts, upstream };
}

function context(timeoutMs = 1000) {
  const headers = new Headers({ "x-request-id": "req-1" });
  return { headers, signal: new AbortController().signal, timeoutMs };
}

const request = create(GetUserResponseSchema, {});

// The loop's decisions, driven by a scripted unary path (the network is
// covered by create-upstream-transport.test.ts against real servers).
describe("resilientUnary", () => {
  it("passes the deadline and the request headers to the RPC", async () => {
    const { call, attempts } = fakeUpstream([]);
    await call(getUser, request, context(800));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.timeoutMs).toBeGreaterThan(790);
    expect(attempts[0]!.timeoutMs).toBeLessThanOrEqual(800);
    expect(attempts[0]!.headers.get("x-request-id")).toBe("req-1");
  });

  it("retries an idempotent RPC on UNAVAILABLE, within the same deadline", async () => {
    const { call, attempts } = fakeUpstream([Code.Unavailable, Code.Unavailable]);
    await expect(call(getUser, request, context())).resolves.toBeDefined();
    expect(attempts).toHaveLength(3);
    expect(attempts[2]!.timeoutMs).toBeLessThanOrEqual(attempts[0]?.timeoutMs ?? 0);
  });

  it("never retries an RPC that is not idempotent", async () => {
    const { call, attempts } = fakeUpstream([Code.Unavailable]);
    await expect(call(createUser, request, context())).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    expect(attempts).toHaveLength(1);
  });

  it("never retries other codes", async () => {
    const { call, attempts } = fakeUpstream([Code.Internal]);
    await expect(call(getUser, request, context())).rejects.toMatchObject({ code: Code.Internal });
    expect(attempts).toHaveLength(1);
  });

  it("gives up after maxAttempts", async () => {
    const { call, attempts } = fakeUpstream([Code.Unavailable, Code.Unavailable, Code.Unavailable]);
    await expect(call(getUser, request, context())).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    expect(attempts).toHaveLength(3);
  });

  it("opens the circuit after repeated upstream failures and then fails fast, naming nothing internal", async () => {
    const { call, attempts, upstream } = fakeUpstream([
      Code.Internal,
      Code.Internal,
      Code.Internal,
    ]);
    for (let i = 0; i < 3; i++) await call(createUser, request, context()).catch(() => {});
    expect(upstream.breaker.state()).toBe("open");
    const refused = await call(getUser, request, context()).catch((err: ConnectError) => err);
    expect(refused).toMatchObject({ code: Code.Unavailable });
    expect((refused as ConnectError).rawMessage).not.toContain("identity");
    expect(attempts).toHaveLength(3);
  });

  it("does not count client errors against the upstream", async () => {
    const { call, upstream } = fakeUpstream([
      Code.InvalidArgument,
      Code.NotFound,
      Code.AlreadyExists,
      Code.InvalidArgument,
    ]);
    for (let i = 0; i < 4; i++) await call(createUser, request, context()).catch(() => {});
    expect(upstream.breaker.state()).toBe("closed");
    expect(upstream.budget.canRetry()).toBe(true);
  });
});
