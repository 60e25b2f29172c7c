import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { createLogCapture } from "../../platform/log/index.js";
import { createHealthService } from "../../platform/rpc/health-service.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki } from "../support/test-pki.js";
import { interopService } from "./interop-service.js";

const capture = createLogCapture();
let server: StartedRpcServer;
let client: ReturnType<typeof createClient<typeof InteropService>>;
let healthClient: ReturnType<typeof createClient<typeof Health>>;
beforeAll(async () => {
  const pki = await createTestPki();
  const health = createHealthService({
    serving: () => true,
    services: new Set([InteropService.typeName]),
    draining: new AbortController().signal,
  });
  server = await startRpcServer(pki, "interop", [interopService, health], {
    logLevel: "info",
    logDestination: capture.stream,
  });
  const cert = await pki.cert("interop-client");
  const transport = createGrpcTransport({
    baseUrl: server.baseUrl,
    nodeOptions: { cert: cert.cert, key: cert.key, ca: cert.ca },
  });
  client = createClient(InteropService, transport);
  healthClient = createClient(Health, transport);
});
afterAll(() => server.stop());

const rpcLines = () => capture.lines().filter((l) => l.msg === "rpc" || l.msg === "rpc failed");

describe("call logging", () => {
  it("writes one line per call with the caller's request id and trace context", async () => {
    const before = rpcLines().length;
    await client.echo(
      { message: "logged" },
      {
        headers: {
          "x-request-id": "req-123",
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
      },
    );
    const lines = rpcLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      service: "interop",
      request_id: "req-123",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      rpc: "interop.v1.InteropService/Echo",
      protocol: "grpc",
      peer: "interop-client",
      code: "OK",
    });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("keeps answered health checks out of the info log, and logs a failed one", async () => {
    const before = rpcLines().length;
    await healthClient.check({ service: InteropService.typeName });
    await healthClient.check({ service: "" });
    expect(rpcLines().slice(before)).toEqual([]);
    await expect(healthClient.check({ service: "no.Such" })).rejects.toThrow(/unknown service/);
    expect(rpcLines().slice(before)).toMatchObject([
      { level: "info", rpc: "grpc.health.v1.Health/Check", code: "NOT_FOUND" },
    ]);
  });

  it("generates a request id when the caller's is missing or malformed", async () => {
    const before = rpcLines().length;
    await client.echo({}, { headers: { "x-request-id": "bad id; with spaces" } });
    const [line] = rpcLines().slice(before);
    expect(line?.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes one line per streaming call: a client stream, and a server stream the client left early", async () => {
    const before = rpcLines().length;
    async function* values() {
      yield { value: 2n };
      yield { value: 3n };
    }
    expect((await client.sum(values())).total).toBe(5n);

    // The handler never waits, so it is stopped at a yield, not by its signal.
    const leaving = new AbortController();
    for await (const res of client.count({ count: 10_000 }, { signal: leaving.signal })) {
      expect(res.n).toBe(1);
      leaving.abort();
      break;
    }
    await expect
      .poll(
        () =>
          rpcLines()
            .slice(before)
            .map((l) => [l.rpc, l.code]),
        { timeout: 5_000 },
      )
      .toEqual([
        ["interop.v1.InteropService/Sum", "OK"],
        ["interop.v1.InteropService/Count", "CANCELED"],
      ]);
  });

  it("logs an internal error's cause but never sends it to the client", async () => {
    const before = rpcLines().length;
    const err = await client.echo({ failCode: 13 }).catch((e: Error) => e);
    expect(String(err)).toContain("failing as asked");
    const [line] = rpcLines().slice(before);
    expect(line).toMatchObject({ level: "error", code: "INTERNAL" });
  });
});
