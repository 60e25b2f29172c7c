import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncodingBatchProcessor } from "../../platform/tracing/encoding-batch-processor.js";
import { createLeanTracer } from "../../platform/tracing/lean-tracer.js";
import { createOtlpTraceExporter } from "../../platform/tracing/otlp-trace-exporter.js";
import { decodeExportRequest, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";

function spans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const resource = resourceFromAttributes({
    "service.name": "gateway",
    "service.version": "1.0.0",
  });
  const tracer = createLeanTracer("gateway", {
    sink: { resource, onEnd: (span) => ended.push(span) },
    sampleRoot: () => true,
  });
  const server = tracer.startChild(
    "GET /v1/users/{id}",
    SpanKind.SERVER,
    { "http.request.method": "GET" },
    undefined,
  );
  const client = tracer.startChild(
    "identity.v1.UserService/GetUser",
    SpanKind.CLIENT,
    { "rpc.system": "grpc" },
    server,
  );
  client.setStatus({ code: SpanStatusCode.ERROR, message: "unavailable" });
  client.end();
  server.setAttribute("http.response.status_code", 503);
  server.end();
  return ended;
}

function exportWith(exporter: SpanExporter, batch: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (result) =>
      result.code === ExportResultCode.SUCCESS
        ? resolve()
        : reject(result.error ?? new Error("export failed")),
    ),
  );
}

// Spans through the platform's processor and exporter, as startTracing
// wires them.
async function exportEncoded(url: string, batch: ReadableSpan[]): Promise<void> {
  const processor = new EncodingBatchProcessor(createOtlpTraceExporter(url));
  for (const span of batch) processor.onEnd(span);
  await processor.shutdown();
}

// The platform's exporter is the SDK's sending requests encoded as spans
// end: a collector must receive the same request, with the same
// OTEL_EXPORTER_OTLP_* settings applied.
describe("createOtlpTraceExporter", () => {
  let receiver: OtlpReceiver;
  const headersVariable = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
  beforeAll(async () => {
    process.env[headersVariable] = "x-tenant=acme";
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    delete process.env[headersVariable];
    await receiver.close();
  });

  it("sends the collector what the SDK's OTLPTraceExporter sends, with the same settings", async () => {
    const batch = spans();
    const sdk = new OTLPTraceExporter({ url: receiver.endpoint });
    await exportEncoded(receiver.endpoint, batch);
    await exportWith(sdk, batch);
    await sdk.shutdown();

    const [fromOurs, fromSdk] = receiver.requests();
    expect(receiver.requests()).toHaveLength(2);
    expect(decodeExportRequest(fromOurs!)).toEqual(decodeExportRequest(fromSdk!));
    expect(receiver.spans().map((s) => s.name)).toEqual([
      "identity.v1.UserService/GetUser",
      "GET /v1/users/{id}",
      "identity.v1.UserService/GetUser",
      "GET /v1/users/{id}",
    ]);
    const [ourHeaders, sdkHeaders] = receiver.metadata();
    expect(ourHeaders?.["x-tenant"]).toBe("acme");
    expect(ourHeaders?.["user-agent"]).toBe(sdkHeaders?.["user-agent"]);
    expect(sdkHeaders?.["x-tenant"]).toBe("acme");
  });

  it("reports a failed export when the collector is unreachable", async () => {
    const closed = await startOtlpReceiver();
    await closed.close();
    await expect(exportEncoded(closed.endpoint, spans())).rejects.toThrow();
  });
});
