/**
 * Server spans for every kind of RPC, on gRPC and Connect, and log lines
 * that name them: what an operator follows from a log line to its trace.
 */
import { randomBytes } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { createLogCapture } from "../../platform/log/index.js";
import { startTracing, type Tracing } from "../../platform/tracing/index.js";
import { interopService } from "../interop/interop-service.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki } from "../support/test-pki.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.js";

const capture = createLogCapture();
let receiver: OtlpReceiver;
let tracing: Tracing;
let server: StartedRpcServer;
let grpc: ReturnType<typeof createClient<typeof InteropService>>;
let connect: ReturnType<typeof createClient<typeof InteropService>>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ service: "test", version: "0.0.0", endpoint: receiver.endpoint });
  const pki = await createTestPki();
  server = await startRpcServer(pki, "interop", [interopService], {
    logLevel: "info",
    logDestination: capture.stream,
  });
  const cert = await pki.cert("interop-client");
  const nodeOptions = { cert: cert.cert, key: cert.key, ca: cert.ca };
  grpc = createClient(
    InteropService,
    createGrpcTransport({ baseUrl: server.baseUrl, nodeOptions }),
  );
  connect = createClient(
    InteropService,
    createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", nodeOptions }),
  );
});
afterAll(async () => {
  await server?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

function newTraceparent() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

async function exportedSpan(traceId: string): Promise<ReceivedSpan> {
  await expect
    .poll(
      async () => {
        await tracing.flush();
        return receiver.spans().filter((s) => s.traceId === traceId).length;
      },
      { timeout: 5_000 },
    )
    .toBe(1);
  return receiver.spans().find((s) => s.traceId === traceId)!;
}

const rpcLine = (requestId: string) =>
  capture
    .lines()
    .find((l) => (l.msg === "rpc" || l.msg === "rpc failed") && l.request_id === requestId);

describe("RPC server spans", () => {
  it("hang under the caller's traceparent, and the call's log line names them", async () => {
    const caller = newTraceparent();
    await grpc.echo(
      { message: "traced" },
      { headers: { traceparent: caller.traceparent, "x-request-id": "span-1" } },
    );
    const span = await exportedSpan(caller.traceId);
    expect(span).toMatchObject({
      name: "interop.v1.InteropService/Echo",
      kind: "SPAN_KIND_SERVER",
      parentSpanId: caller.spanId,
      status: "STATUS_CODE_UNSET",
      attributes: {
        "service.name": "interop",
        "rpc.system": "grpc",
        "rpc.service": "interop.v1.InteropService",
        "rpc.method": "Echo",
        "rpc.grpc.status_code": 0,
        request_id: "span-1",
      },
    });
    expect(rpcLine("span-1")).toMatchObject({ trace_id: caller.traceId, span_id: span.spanId });
  });

  it("start a trace when the caller sends none", async () => {
    await grpc.echo({ message: "untraced" }, { headers: { "x-request-id": "span-2" } });
    const line = rpcLine("span-2")!;
    const span = await exportedSpan(String(line.trace_id));
    expect(span).toMatchObject({ parentSpanId: "", spanId: line.span_id });
  });

  it("mark server faults failed on Connect, but not a correct NOT_FOUND", async () => {
    const internal = newTraceparent();
    await connect
      .echo({ failCode: Code.Internal }, { headers: { traceparent: internal.traceparent } })
      .catch(() => {});
    expect(await exportedSpan(internal.traceId)).toMatchObject({
      status: "STATUS_CODE_ERROR",
      attributes: {
        "rpc.system": "connect_rpc",
        "rpc.connect_rpc.error_code": "internal",
        "error.type": "INTERNAL",
      },
    });
    const notFound = newTraceparent();
    await grpc
      .echo({ failCode: Code.NotFound }, { headers: { traceparent: notFound.traceparent } })
      .catch(() => {});
    const span = await exportedSpan(notFound.traceId);
    expect(span).toMatchObject({
      status: "STATUS_CODE_UNSET",
      attributes: { "rpc.grpc.status_code": 5 },
    });
    expect(span.attributes["error.type"]).toBeUndefined();
  });

  it("cover a whole server stream, and a client stream", async () => {
    const stream = newTraceparent();
    const counted: number[] = [];
    for await (const { n } of grpc.count(
      { count: 3 },
      { headers: { traceparent: stream.traceparent } },
    )) {
      counted.push(n);
    }
    expect(counted).toEqual([1, 2, 3]);
    expect(await exportedSpan(stream.traceId)).toMatchObject({
      name: "interop.v1.InteropService/Count",
      attributes: { "rpc.grpc.status_code": 0 },
    });

    const failing = newTraceparent();
    const consume = async () => {
      const stream = grpc.count(
        { count: 3, failAfter: 1 },
        { headers: { traceparent: failing.traceparent } },
      );
      for await (const _ of stream);
    };
    await expect(consume()).rejects.toThrow(/stopped after 1/);
    expect(await exportedSpan(failing.traceId)).toMatchObject({
      attributes: { "rpc.grpc.status_code": Code.FailedPrecondition },
    });

    const sum = newTraceparent();
    async function* values() {
      yield { value: 2n };
      yield { value: 3n };
    }
    expect((await grpc.sum(values(), { headers: { traceparent: sum.traceparent } })).total).toBe(
      5n,
    );
    expect(await exportedSpan(sum.traceId)).toMatchObject({
      name: "interop.v1.InteropService/Sum",
      parentSpanId: sum.spanId,
      attributes: { "rpc.grpc.status_code": 0 },
    });
  });
});
