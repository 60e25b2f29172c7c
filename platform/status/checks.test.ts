import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { CircuitState } from "../client/index.js";
import { createDatabaseCheck } from "./database-check.js";
import { createEventsCheck } from "./events-check.js";
import { createUpstreamsCheck } from "./upstreams-check.js";

const context = { signal: new AbortController().signal, timeoutMs: 1_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("createDatabaseCheck", () => {
  it("is OK with the ping latency, WARN when slow, ERROR when the ping fails", async () => {
    const fast = createDatabaseCheck({ kind: "pglite", ping: async () => {} }, { slowMs: 100 });
    expect(await fast.run(context)).toMatchObject({ level: "OK", metrics: { kind: "pglite" } });
    const slow = createDatabaseCheck({ kind: "postgres", ping: () => sleep(30) }, { slowMs: 5 });
    expect(await slow.run(context)).toMatchObject({
      level: "WARN",
      message: expect.stringMatching(/^ping took \d/),
    });
    const down = createDatabaseCheck(
      { kind: "postgres", ping: async () => Promise.reject(new Error("ECONNREFUSED")) },
      { slowMs: 100 },
    );
    expect(await down.run(context)).toEqual({
      level: "ERROR",
      message: "ping failed: ECONNREFUSED",
      metrics: { kind: "postgres" },
    });
  });
});

describe("createEventsCheck", () => {
  const broker = { kind: "nats" as const, ping: async () => {} };

  it("judges the outbox lag: WARN above 10 s, ERROR above 5 min", async () => {
    const at = (lag: number) =>
      createEventsCheck({ broker, outboxLag: async () => lag }).run(context);
    expect(await at(2_000)).toMatchObject({
      level: "OK",
      metrics: { broker: "nats", outbox_lag_ms: 2_000 },
    });
    expect(await at(12_000)).toMatchObject({
      level: "WARN",
      message: "outbox lag 12 s (over 10 s)",
    });
    expect(await at(400_000)).toMatchObject({
      level: "ERROR",
      message: "outbox lag 400 s (over 300 s)",
    });
  });

  it("is ERROR when the broker does not answer, and has no lag without an outbox", async () => {
    const down = { kind: "nats" as const, ping: async () => Promise.reject(new Error("timeout")) };
    expect(await createEventsCheck({ broker: down }).run(context)).toMatchObject({
      level: "ERROR",
      message: "broker unreachable: timeout",
    });
    const result = await createEventsCheck({ broker }).run(context);
    expect(result.level).toBe("OK");
    expect(result.metrics).not.toHaveProperty("outbox_lag_ms");
  });
});

describe("createUpstreamsCheck", () => {
  function upstream(serving: ServingStatus | Error, circuit: CircuitState = "closed") {
    const transport = createRouterTransport((router) =>
      router.service(Health, {
        check() {
          if (serving instanceof Error) throw serving;
          return { status: serving };
        },
        async *watch() {},
      }),
    );
    return Object.assign(transport, { breaker: { state: () => circuit } });
  }

  it("is OK with no upstreams and when every upstream serves with a closed circuit", async () => {
    const check = createUpstreamsCheck();
    expect(await check.run(context)).toMatchObject({ level: "OK", metrics: { count: 0 } });
    check.add("identity", upstream(ServingStatus.SERVING));
    expect(await check.run(context)).toMatchObject({
      level: "OK",
      metrics: { count: 1, identity_circuit: "closed", identity_health: "SERVING" },
    });
  });

  it("is ERROR for an open circuit, WARN for half-open or a failed health check", async () => {
    const check = createUpstreamsCheck();
    check.add("identity", upstream(new ConnectError("down", Code.Unavailable), "open"));
    check.add("billing", upstream(ServingStatus.SERVING, "half-open"));
    check.add("search", upstream(ServingStatus.NOT_SERVING));
    const result = await check.run(context);
    expect(result.level).toBe("ERROR");
    expect(result.message).toBe(
      "identity circuit open; billing circuit half-open; search health check: NOT_SERVING",
    );
    expect(result.metrics).toMatchObject({
      identity_circuit: "open",
      identity_health: "UNAVAILABLE",
    });
  });

  it("refuses a name twice", () => {
    const check = createUpstreamsCheck();
    check.add("identity", upstream(ServingStatus.SERVING));
    expect(() => check.add("identity", upstream(ServingStatus.SERVING))).toThrow("snake_case");
  });
});
