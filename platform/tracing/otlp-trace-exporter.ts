import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import {
  convertLegacyOtlpGrpcOptions,
  createOtlpGrpcExportDelegate,
} from "@opentelemetry/otlp-grpc-exporter-base";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { EncodedSpanExporter } from "./encoding-batch-processor.js";

/**
 * createOtlpTraceExporter is the SDK's OTLP/gRPC trace exporter, as
 * `new OTLPTraceExporter({ url })` builds it (the same gRPC transport,
 * `OTEL_EXPORTER_OTLP_*` settings, timeout, retries and concurrency
 * limit), with one part swapped: it sends requests the platform already
 * encoded (encode-spans.ts, as spans end) rather than encoding span
 * objects through the SDK's protobufjs tree. The collector's rare answer
 * is still decoded by the SDK.
 */
export function createOtlpTraceExporter(url: string): EncodedSpanExporter {
  return new OTLPExporterBase<Uint8Array>(
    createOtlpGrpcExportDelegate(
      convertLegacyOtlpGrpcOptions({ url }, "TRACES"),
      {
        serializeRequest: (request: Uint8Array) => request,
        deserializeResponse: ProtobufTraceSerializer.deserializeResponse,
      },
      "TraceExportService",
      "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    ),
  );
}
