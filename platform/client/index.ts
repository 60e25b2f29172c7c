export { createServiceClient, type ServiceClient } from "./create-service-client.js";
export {
  createFastGrpcTransport,
  type FastGrpcTransport,
  type FastGrpcTransportOptions,
} from "./fast-grpc-transport.js";
export {
  type ClientTlsOptions,
  createHttp2SessionPool,
  type Http2SessionPool,
  type Http2SessionPoolOptions,
} from "./http2-session-pool.js";
