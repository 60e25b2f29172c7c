import { createRequire } from "node:module";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from "@grpc/grpc-js";

// The OTLP protos as protobufjs classes, generated inside the exporter's own
// dependency: the receiver decodes exactly what the exporter encodes.
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: protobufjs's generated root is untyped
const otlp: any = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const ExportTraceServiceRequest =
  otlp.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * decodeExportRequest reads an encoded ExportTraceServiceRequest into a
 * plain object with every field present (defaults filled in), ids as
 * base64 and 64-bit numbers as strings: two encodings of the same request
 * decode equal even where one writes a zero value the other leaves out.
 */
export function decodeExportRequest(bytes: Uint8Array): unknown {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), {
    longs: String,
    bytes: String,
    defaults: true,
    arrays: true,
    oneofs: true,
  });
}

/** ReceivedSpan is one exported span, flattened for assertions. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  /** The W3C tracestate the span carries; "" when none. */
  readonly traceState: string;
  /** The spans it links to. */
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly name: string;
  /** "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", ... */
  readonly kind: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** "STATUS_CODE_ERROR" when failed. */
  readonly status: string;
  /** The resource's service.name (the provider's, shared by every service of the process). */
  readonly resourceService: string;
}

/** OtlpReceiver is a plaintext OTLP/gRPC trace collector on 127.0.0.1. */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`, for startTracing's endpoint. */
  readonly endpoint: string;
  spans(): readonly ReceivedSpan[];
  /** The metadata each Export call came with (gRPC's own headers included). */
  metadata(): readonly Readonly<Record<string, string>>[];
  /** Each Export call's request as it came, an encoded ExportTraceServiceRequest. */
  requests(): readonly Buffer[];
  close(): Promise<void>;
}

const traceService: ServiceDefinition = {
  Export: {
    path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    // An empty ExportTraceServiceResponse: everything accepted.
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: () => ({}),
  },
};

/**
 * startOtlpReceiver serves `TraceService/Export` with @grpc/grpc-js and
 * keeps every span it is sent.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const metadata: Record<string, string>[] = [];
  const requests: Buffer[] = [];
  const server = new Server();
  server.addService(traceService, {
    Export(call: ServerUnaryCall<Buffer, object>, callback: sendUnaryData<object>) {
      requests.push(call.request);
      received.push(...decode(call.request));
      metadata.push(
        Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)])),
      );
      callback(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => received,
    metadata: () => metadata,
    requests: () => requests,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}

function decode(bytes: Buffer): ReceivedSpan[] {
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), {
    longs: Number,
    enums: String,
  });
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          traceState: span.traceState ?? "",
          links: (span.links ?? []).map((link: { traceId: Uint8Array; spanId: Uint8Array }) => ({
            traceId: hex(link.traceId),
            spanId: hex(link.spanId),
          })),
          name: span.name,
          kind: span.kind,
          attributes: attributesOf(span.attributes),
          status: span.status?.code ?? "STATUS_CODE_UNSET",
          resourceService: String(resource["service.name"]),
        });
      }
    }
  }
  return spans;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const scalar = value?.["stringValue"] ?? value?.["intValue"] ?? value?.["boolValue"];
    if (scalar !== undefined) attributes[key] = scalar as string | number | boolean;
    else if (value?.["doubleValue"] !== undefined) attributes[key] = value["doubleValue"] as number;
  }
  return attributes;
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? "" : Buffer.from(bytes).toString("hex");
}
