import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { suppressTracing } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeanTracer } from "./lean-tracer.js";
import { PLATFORM_TRACER } from "./tracer-for.js";

const resource = resourceFromAttributes({ "service.name": "identity" });

// The SDK's own processor and exporter take the spans: what they read is
// what the OTLP exporter reads.
function setup(sampleRoot: (traceId: string) => boolean = () => true) {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const sink = { resource, onEnd: (span: ReadableSpan) => processor.onEnd(span) };
  const tracer = (name: string) => createLeanTracer(name, { sink, sampleRoot });
  return { tracer, finished: () => exporter.getFinishedSpans() };
}

const REMOTE = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
};

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

describe("createLeanTracer", () => {
  it("makes spans the SDK's processors export as they are: ids, parent, times, attributes, status", () => {
    const { tracer, finished } = setup();
    const before = Date.now();
    const span = tracer("identity").startChild(
      "identity.v1.UserService/GetUser",
      SpanKind.SERVER,
      { "rpc.method": "GetUser" },
      REMOTE,
    );
    span.setAttribute("rpc.grpc.status_code", 0);
    // Values from outside the types (JavaScript callers) are dropped, as the SDK does.
    span.setAttribute("ignored", undefined as never);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    span.setAttribute("after.end", 1);
    span.end();

    const [exported, ...more] = finished();
    expect(more).toEqual([]);
    expect(exported).toMatchObject({
      name: "identity.v1.UserService/GetUser",
      kind: SpanKind.SERVER,
      parentSpanContext: REMOTE,
      attributes: { "rpc.method": "GetUser", "rpc.grpc.status_code": 0 },
      status: { code: SpanStatusCode.ERROR },
      resource,
      instrumentationScope: { name: "identity" },
      ended: true,
    });
    const { traceId, spanId, traceFlags } = exported!.spanContext();
    expect([traceId, traceFlags]).toEqual([REMOTE.traceId, 1]);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(REMOTE.spanId);
    const startMs = exported!.startTime[0] * 1e3 + exported!.startTime[1] / 1e6;
    expect(startMs).toBeGreaterThanOrEqual(before - 1);
    expect(startMs).toBeLessThanOrEqual(Date.now() + 1);
    const durationMs = exported!.duration[0] * 1e3 + exported!.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it("starts a new trace without a parent, asking the root sampler; an unsampled trace records nothing", () => {
    const asked: string[] = [];
    const { tracer, finished } = setup((traceId) => {
      asked.push(traceId);
      return asked.length === 1;
    });
    const sampled = tracer("identity").startChild("a", SpanKind.SERVER, {}, undefined);
    const dropped = tracer("identity").startChild("b", SpanKind.SERVER, {}, undefined);
    sampled.end();
    dropped.end();
    expect(asked).toEqual([sampled.spanContext().traceId, dropped.spanContext().traceId]);
    expect(asked[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(asked[0]).not.toBe(asked[1]);
    expect(dropped.isRecording()).toBe(false);
    expect(dropped.spanContext().traceFlags).toBe(0);
    expect(finished().map((s) => s.name)).toEqual(["a"]);
  });

  it("follows the caller's sampling decision, not the root sampler's", () => {
    const { tracer, finished } = setup(() => false);
    tracer("identity").startChild("kept", SpanKind.SERVER, {}, REMOTE).end();
    const unsampled = { ...REMOTE, traceFlags: 0 };
    const child = tracer("identity").startChild("not kept", SpanKind.SERVER, {}, unsampled);
    child.end();
    expect(child.spanContext().traceId).toBe(REMOTE.traceId);
    expect(finished().map((s) => s.name)).toEqual(["kept"]);
  });

  it("names the service only when it is not the resource's; platform spans take their parent's", () => {
    const { tracer, finished } = setup();
    const orders = tracer("orders").startChild("orders span", SpanKind.SERVER, {}, undefined);
    const call = tracer(PLATFORM_TRACER).startChild("call", SpanKind.CLIENT, {}, orders);
    const own = tracer("identity").startChild("identity span", SpanKind.SERVER, {}, undefined);
    for (const span of [call, orders, own]) span.end();
    const byName = new Map(finished().map((s) => [s.name, s.attributes["service.name"]]));
    expect(byName).toEqual(
      new Map([
        ["call", "orders"],
        ["orders span", "orders"],
        ["identity span", undefined],
      ]),
    );
    expect(finished()[0]!.parentSpanContext?.spanId).toBe(orders.spanContext().spanId);
  });

  it("implements the API's startSpan and startActiveSpan: active parent, root option, suppression, valid attributes only", async () => {
    const { tracer, finished } = setup();
    const t = tracer("identity");
    const outer = t.startSpan("outer", { attributes: { keep: "yes", drop: undefined } });
    const inner = context.with(trace.setSpan(ROOT_CONTEXT, outer), () =>
      t.startSpan("inner", { kind: SpanKind.CLIENT }),
    );
    const root = t.startSpan("root", { root: true }, trace.setSpan(ROOT_CONTEXT, outer));
    const suppressed = t.startSpan("suppressed", {}, suppressTracing(ROOT_CONTEXT));
    const active = await t.startActiveSpan("active", async (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      span.end();
      return "done";
    });
    for (const span of [inner, root, suppressed, outer]) span.end();
    expect(active).toBe("done");
    expect(suppressed.isRecording()).toBe(false);
    const spans = new Map(finished().map((s) => [s.name, s]));
    expect([...spans.keys()].sort()).toEqual(["active", "inner", "outer", "root"]);
    expect(spans.get("outer")!.attributes).toEqual({ keep: "yes" });
    expect(spans.get("inner")!.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(spans.get("inner")!.kind).toBe(SpanKind.CLIENT);
    expect(spans.get("root")!.parentSpanContext).toBeUndefined();
  });

  it("records events, exceptions and links", () => {
    const { tracer, finished } = setup();
    const span = tracer("identity").startSpan("work", { links: [{ context: REMOTE }] });
    span.addEvent("retry", { attempt: 2 });
    span.recordException(Object.assign(new Error("boom"), { code: "ECONNRESET" }));
    span.end();
    const [exported] = finished();
    expect(exported!.links).toEqual([{ context: REMOTE }]);
    expect(exported!.events.map((e) => [e.name, e.attributes])).toEqual([
      ["retry", { attempt: 2 }],
      [
        "exception",
        {
          "exception.type": "ECONNRESET",
          "exception.message": "boom",
          "exception.stacktrace": expect.stringContaining("Error: boom"),
        },
      ],
    ]);
  });

  it("is what an SDK provider's spans take as a parent", () => {
    const { tracer } = setup();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const parent = tracer("identity").startChild("parent", SpanKind.SERVER, {}, undefined);
    provider.getTracer("sdk").startSpan("child", {}, trace.setSpan(ROOT_CONTEXT, parent)).end();
    expect(exporter.getFinishedSpans()[0]!.parentSpanContext?.spanId).toBe(
      parent.spanContext().spanId,
    );
  });
});
