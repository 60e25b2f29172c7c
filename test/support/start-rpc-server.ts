import type { DestinationStream } from "pino";
import { createLogger } from "../../platform/log/index.js";
import { createRpcServer, type RpcServer } from "../../platform/rpc/rpc-server.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import type { TestPki } from "./test-pki.js";

/** A running RPC server for a test, on 127.0.0.1 and a free port. */
export interface StartedRpcServer {
  readonly server: RpcServer;
  readonly port: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/** startRpcServer serves the registrations over mTLS with `service`'s certificate. */
export async function startRpcServer(
  pki: TestPki,
  service: string,
  services: ServiceRegistration[],
  options: {
    maxMessageBytes?: number;
    logLevel?: string;
    logDestination?: DestinationStream;
    /** A fixed port, e.g. to bring a server back where clients expect it. */
    port?: number;
  } = {},
): Promise<StartedRpcServer> {
  const cert = await pki.cert(service);
  const server = createRpcServer({
    services,
    tls: { cert: cert.cert, key: cert.key, ca: cert.ca },
    trustDomain: "protoplane.local",
    logger: createLogger({
      service,
      level: (options.logLevel ?? "silent") as "silent",
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    }),
    maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
  });
  const port = await server.listen(options.port ?? 0, "127.0.0.1");
  return { server, port, baseUrl: `https://127.0.0.1:${port}`, stop: () => server.shutdown(1000) };
}
