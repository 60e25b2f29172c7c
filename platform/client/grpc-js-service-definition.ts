import { type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ServiceDefinition } from "@grpc/grpc-js";

/**
 * grpcJsServiceDefinition describes a protobuf-es service to `@grpc/grpc-js`
 * with protobuf-es serializers, for a grpc-js server or client in tests and
 * probes; no proto-loader, the generated descriptors are the only schema.
 */
export function grpcJsServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methods) {
    const { input, output } = method;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream:
        method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream:
        method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (message) => Buffer.from(toBinary(input, message)),
      requestDeserialize: (bytes) => fromBinary(input, bytes),
      responseSerialize: (message) => Buffer.from(toBinary(output, message)),
      responseDeserialize: (bytes) => fromBinary(output, bytes),
    };
  }
  return definition;
}
