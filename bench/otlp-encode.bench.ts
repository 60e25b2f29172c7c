/**
 * `npm run bench:otlp`: CPU per span to encode an OTLP export request, the
 * SDK's ProtobufTraceSerializer against the platform's encodeSpans
 * (platform/tracing/encode-spans.ts), side by side in one run. The batch is
 * what the gateway exports under load: 512 spans, a SERVER span per request
 * and its CLIENT span, with the attributes the platform writes. Rounds
 * interleave the two; each prints its median. BENCH_ROUNDS (default 7).
 */
import { SpanKind } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { encodeSpans } from "../platform/tracing/encode-spans.js";
import { createLeanTracer } from "../platform/tracing/lean-tracer.js";
import { table } from "./report.js";

const BATCH = 512;
const REPEATS = 100;
const rounds = Number(process.env["BENCH_ROUNDS"] || "7");

function gatewayBatch(): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const resource = defaultResource().merge(
    resourceFromAttributes({ "service.name": "gateway", "service.version": "0.1.0" }),
  );
  const tracer = createLeanTracer("gateway", {
    sink: { resource, onEnd: (span) => spans.push(span) },
    sampleRoot: () => true,
  });
  while (spans.length < BATCH) {
    const server = tracer.startChild(
      "GET /v1/users/{id}",
      SpanKind.SERVER,
      {
        "http.request.method": "GET",
        "url.path": `/v1/users/${crypto.randomUUID()}`,
        "url.scheme": "http",
        request_id: crypto.randomUUID(),
      },
      undefined,
    );
    server.setAttribute("http.route", "/v1/users/{id}");
    const client = tracer.startChild(
      "identity.v1.UserService/GetUser",
      SpanKind.CLIENT,
      { "rpc.system": "grpc", "rpc.service": "identity.v1.UserService", "rpc.method": "GetUser" },
      server,
    );
    client.setAttribute("rpc.grpc.status_code", 0);
    client.end();
    server.setAttribute("http.response.status_code", 200);
    server.end();
  }
  return spans;
}

// CPU µs per span over REPEATS encodings of the batch, after a warm-up.
function measure(encode: (spans: ReadableSpan[]) => unknown, spans: ReadableSpan[]): number {
  for (let i = 0; i < 20; i++) encode(spans);
  const before = process.cpuUsage();
  for (let i = 0; i < REPEATS; i++) encode(spans);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REPEATS / spans.length;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const spans = gatewayBatch();
const sdk: number[] = [];
const ours: number[] = [];
for (let round = 0; round < rounds; round++) {
  sdk.push(measure((s) => ProtobufTraceSerializer.serializeRequest(s), spans));
  ours.push(measure(encodeSpans, spans));
}
const bytes = (encoded: Uint8Array | undefined) => `${encoded?.length ?? 0}`;
console.log(
  `OTLP request encoding, ${BATCH} gateway spans per request, median of ${rounds} rounds\n`,
);
console.log(
  table(
    ["encoder", "µs/span", "bytes/request"],
    [
      [
        "SDK ProtobufTraceSerializer",
        median(sdk).toFixed(2),
        bytes(ProtobufTraceSerializer.serializeRequest(spans)),
      ],
      ["platform encodeSpans", median(ours).toFixed(2), bytes(encodeSpans(spans))],
    ],
  ),
);
console.log(`\nencodeSpans is ${(median(sdk) / median(ours)).toFixed(1)}x faster per span`);
