import {
  type Attributes,
  ROOT_CONTEXT as ROOT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { decodeExportRequest } from "../../test/tracing/otlp-receiver.js";
import { encodeSpans } from "./encode-spans.js";
import { createLeanTracer } from "./lean-tracer.js";

// The SDK's protobufjs classes decode both encodings: equal objects mean
// the collector reads the same request.
function expectSameAsSdk(spans: ReadableSpan[]): void {
  const sdk = ProtobufTraceSerializer.serializeRequest(spans)!;
  const ours = encodeSpans(spans);
  expect(decodeExportRequest(ours)).toEqual(decodeExportRequest(sdk));
}

const identity = resourceFromAttributes({
  "service.name": "identity",
  "service.version": "1.2.3",
  "process.pid": 4242,
  "host.arch": "amd64",
});
const gateway = resourceFromAttributes({ "service.name": "gateway" });

function sdkTracer(resource = identity) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { provider, finished: () => exporter.getFinishedSpans() };
}

const REMOTE = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
  traceState: new TraceState("vendor=a1,other=b2"),
};

const EVERY_KIND_OF_VALUE: Attributes = {
  "rpc.method": "GetUser",
  "http.response.status_code": 200,
  "negative.int": -42,
  "big.int": 2 ** 40 + 7,
  "min.safe": Number.MIN_SAFE_INTEGER,
  "ratio.double": 0.25,
  "negative.double": -1.5e-9,
  "flag.bool": true,
  "off.bool": false,
  "empty.string": "",
  "unicode.string": "héllo ✓ 😀 — ünïcode",
  "long.string": "x".repeat(300),
  "long.unicode": "é".repeat(200),
  "strings.array": ["a", "b", ""],
  "numbers.array": [1, 2.5, -3],
  "bools.array": [true, false],
  "sparse.array": ["a", null, undefined] as unknown as string[],
};

describe("encodeSpans", () => {
  it("encodes every field of SDK spans as the SDK's serializer does", () => {
    const { provider, finished } = sdkTracer();
    const tracer = provider.getTracer("identity", "2.0.0");
    const server = tracer.startSpan(
      "identity.v1.UserService/GetUser",
      {
        kind: SpanKind.SERVER,
        attributes: EVERY_KIND_OF_VALUE,
        startTime: [1_763_769_600, 123_456_789],
        links: [
          {
            context: { ...REMOTE, spanId: "1111111111111111" },
            attributes: { "link.kind": "follows" },
          },
          { context: { ...REMOTE, traceState: undefined, isRemote: false } },
        ],
      },
      trace.setSpanContext(ROOT, REMOTE),
    );
    server.addEvent("retry", { attempt: 2, reason: "unavailable" }, [1_763_769_600, 999_999_999]);
    server.addEvent("bare");
    server.recordException(new Error("boom"));
    server.setStatus({ code: SpanStatusCode.ERROR, message: "it failed: ✗" });
    server.end([1_763_769_601, 5]);
    const child = tracer.startSpan(
      "SELECT users",
      { kind: SpanKind.CLIENT },
      trace.setSpan(ROOT, server),
    );
    child.setStatus({ code: SpanStatusCode.OK });
    child.end();
    tracer.startSpan("root internal").end();
    for (const kind of [SpanKind.PRODUCER, SpanKind.CONSUMER])
      tracer.startSpan(`kind ${kind}`, { kind }).end();

    expectSameAsSdk(finished() as ReadableSpan[]);
  });

  it("encodes the platform's lean spans as the SDK's serializer does", () => {
    const spans: ReadableSpan[] = [];
    const sink = { resource: identity, onEnd: (span: ReadableSpan) => spans.push(span) };
    const lean = createLeanTracer("identity", { sink, sampleRoot: () => true });
    const server = lean.startChild(
      "identity.v1.UserService/GetUser",
      SpanKind.SERVER,
      { "rpc.system": "grpc", "rpc.method": "GetUser" },
      REMOTE,
    );
    const query = lean.startChild(
      "SELECT users",
      SpanKind.CLIENT,
      { "db.system": "postgresql" },
      server,
    );
    query.end();
    server.setAttribute("rpc.grpc.status_code", 0);
    server.end();

    expect(spans).toHaveLength(2);
    expectSameAsSdk(spans);
  });

  it("writes a lean span's times from its ms fields exactly as the SDK's HrTimes", () => {
    const spans: ReadableSpan[] = [];
    const sink = { resource: identity, onEnd: (span: ReadableSpan) => spans.push(span) };
    const lean = createLeanTracer("identity", { sink, sampleRoot: () => true });
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const now = Date.now();
    for (let i = 0; i < 200; i++) {
      // Sub-ms fractions, as performance.now() gives, across ~30 years.
      const start = now - random() * 1e12 + random();
      const span = lean.startSpan(`span-${i}`, { startTime: start });
      span.end(start + random() * 5_000);
    }
    const edge = lean.startSpan("edge", { startTime: now + 0.9999999 });
    edge.end(now + 999.9999996);
    expect(spans).toHaveLength(201);
    expectSameAsSdk(spans);
  });

  it("groups spans by resource, then by instrumentation scope, as the SDK does", () => {
    const one = sdkTracer(identity);
    const two = sdkTracer(gateway);
    one.provider.getTracer("identity").startSpan("a").end();
    one.provider.getTracer("platform", "1.0.0").startSpan("b").end();
    two.provider.getTracer("gateway").startSpan("c").end();
    one.provider.getTracer("identity").startSpan("d").end();
    two.provider
      .getTracer("gateway", undefined, { schemaUrl: "https://opentelemetry.io/schemas/1.30.0" })
      .startSpan("e")
      .end();

    expectSameAsSdk(
      [...one.finished(), ...two.finished()].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("encodes any hrtime to the same nanoseconds as the SDK's BigInt arithmetic", () => {
    const { provider, finished } = sdkTracer();
    const tracer = provider.getTracer("identity");
    const times: [number, number][] = [
      [0, 0],
      [0, 999_999_999],
      [1, 0],
      [4_294_967_295, 999_999_999], // the last second before 2106
      [2_147_483_647, 500_000_000],
    ];
    for (let i = 0; i < 200; i++) {
      times.push([Math.floor(Math.random() * 4_294_967_296), Math.floor(Math.random() * 1e9)]);
    }
    for (const time of times) tracer.startSpan("t", { startTime: time }).end(time);

    expectSameAsSdk(finished() as ReadableSpan[]);
  });

  it("grows past its first buffer: a batch of thousands of spans", () => {
    const { provider, finished } = sdkTracer();
    const tracer = provider.getTracer("identity");
    for (let i = 0; i < 3000; i++) {
      tracer
        .startSpan(`span ${i}`, { attributes: { i, "long.string": "y".repeat(i % 400) } })
        .end();
    }
    const spans = finished() as ReadableSpan[];
    expectSameAsSdk(spans);
    // And again with the grown buffer reused: nothing of the last batch is left.
    expectSameAsSdk(spans.slice(0, 5));
  });

  it("encodes no spans as an empty request", () => {
    expect(encodeSpans([])).toHaveLength(0);
    expectSameAsSdk([]);
  });
});
