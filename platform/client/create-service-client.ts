import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createFastGrpcTransport, type FastGrpcTransportOptions } from "./fast-grpc-transport.js";

/** ServiceClient is a typed client for one service and the connection it owns. */
export interface ServiceClient<S extends DescService> {
  /** The generated-descriptor client: `await orders.client.getOrder({ id })`. */
  readonly client: Client<S>;
  /** close lets in-flight calls finish, then closes the connection. */
  close(): Promise<void>;
}

/**
 * createServiceClient is how a service calls another: the Connect client
 * API over the platform's fast gRPC transport, with mTLS and a deadline on
 * every call. Create it once at startup and share it; it keeps one HTTP/2
 * connection to `baseUrl`.
 *
 * @example
 * const orders = createServiceClient(OrdersService, { baseUrl: "https://orders:8443", tls });
 * const order = await orders.client.getOrder({ id }, { timeoutMs: 500 });
 */
export function createServiceClient<S extends DescService>(
  service: S,
  options: FastGrpcTransportOptions,
): ServiceClient<S> {
  const transport = createFastGrpcTransport(options);
  return { client: createClient(service, transport), close: () => transport.close() };
}
