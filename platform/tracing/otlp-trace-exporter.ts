import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import {
  convertLegacyOtlpGrpcOptions,
  createOtlpGrpcExportDelegate,
} from "@opentelemetry/otlp-grpc-exporter-base";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { encodeSpans } from "./encode-spans.js";

/**
 * createOtlpTraceExporter is the SDK's OTLP/gRPC trace exporter, as
 * `new OTLPTraceExporter({ url })` builds it (the same gRPC transport,
 * `OTEL_EXPORTER_OTLP_*` settings, timeout, retries and concurrency
 * limit), with one part swapped: requests are encoded by
 * {@link encodeSpans} rather than through the SDK's protobufjs object tree.
 * The collector's rare answer is still decoded by the SDK.
 */
export function createOtlpTraceExporter(url: string): SpanExporter {
  return new OTLPExporterBase<ReadableSpan[]>(
    createOtlpGrpcExportDelegate(
      convertLegacyOtlpGrpcOptions({ url }, "TRACES"),
      {
        serializeRequest: encodeSpans,
        deserializeResponse: ProtobufTraceSerializer.deserializeResponse,
      },
      "TraceExportService",
      "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    ),
  );
}
