/**
 * The span attribute names the platform writes, in one place. HTTP and
 * database names are stable OpenTelemetry semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/). For RPC and messaging the
 * platform writes the names today's backends and the OpenTelemetry gRPC
 * instrumentation use (`rpc.system`, `rpc.service`, `rpc.method`,
 * `rpc.grpc.status_code`, `messaging.system`); semconv 1.39+ renames them
 * (`rpc.system.name`, a fully qualified `rpc.method`, `rpc.status_code`,
 * `messaging.system.name`), and this file is where to switch.
 * Incubating names are copied rather than imported, as the semconv package
 * advises.
 */
export const attr = Object.freeze({
  serviceName: "service.name",
  serviceVersion: "service.version",
  errorType: "error.type",
  /** Not semconv: the platform's request id, as logged (`request_id`). */
  requestId: "request_id",

  rpcSystem: "rpc.system",
  rpcService: "rpc.service",
  rpcMethod: "rpc.method",
  rpcGrpcStatusCode: "rpc.grpc.status_code",
  rpcConnectErrorCode: "rpc.connect_rpc.error_code",
  serverAddress: "server.address",
  serverPort: "server.port",

  httpRequestMethod: "http.request.method",
  httpRoute: "http.route",
  httpResponseStatusCode: "http.response.status_code",
  urlPath: "url.path",
  urlScheme: "url.scheme",

  dbSystemName: "db.system.name",
  dbNamespace: "db.namespace",
  dbQueryText: "db.query.text",
  dbOperationName: "db.operation.name",
  dbCollectionName: "db.collection.name",
  dbResponseStatusCode: "db.response.status_code",

  messagingSystem: "messaging.system",
  messagingDestinationName: "messaging.destination.name",
  messagingMessageId: "messaging.message.id",
  messagingOperationName: "messaging.operation.name",
  messagingOperationType: "messaging.operation.type",
  messagingConsumerGroupName: "messaging.consumer.group.name",
  messagingBatchMessageCount: "messaging.batch.message_count",
  /** The platform's own: a batch that rolled back; each message is then handled again alone. */
  messagingBatchRolledBack: "protoplane.messaging.batch.rolled_back",
});
