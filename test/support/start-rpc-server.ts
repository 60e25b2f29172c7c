import type { DestinationStream } from "pino";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { createLogger } from "../../platform/log/index.js";
import { createRpcServer, type RpcServer } from "../../platform/rpc/rpc-server.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";
import { createTestAuthenticator } from "./test-authenticator.js";
import type { TestPki } from "./test-pki.js";

/** A running RPC server for a test, on 127.0.0.1 and a free port. */
export interface StartedRpcServer {
  readonly server: RpcServer;
  readonly port: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

// A stand-in identity publishes the test signing keys as identity does, so
// gateways and services pointed at it verify tokens from mintTestToken.
async function withTestJwks(services: ServiceRegistration[], certsDir: string) {
  if (services.some((s) => s.service.typeName === AuthService.typeName)) return services;
  const { jwks } = await loadTokenKeys({ certsDir });
  const keys = jwks.map((k) => ({ ...k }));
  const auth: ServiceRegistration<typeof AuthService> = {
    service: AuthService,
    impl: { getJwks: () => ({ keys }) },
  };
  return [...services, auth];
}

/**
 * startRpcServer serves the registrations over mTLS with `service`'s
 * certificate, verifying tokens minted by mintTestToken for `pki.dir`.
 */
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
    maxConnectionAgeMs?: number;
  } = {},
): Promise<StartedRpcServer> {
  const cert = await pki.cert(service);
  const server = createRpcServer({
    services: service === "identity" ? await withTestJwks(services, pki.dir) : services,
    tls: { cert: cert.cert, key: cert.key, ca: cert.ca },
    trustDomain: "protoplane.local",
    logger: createLogger({
      service,
      level: (options.logLevel ?? "silent") as "silent",
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    }),
    maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
    authenticator: await createTestAuthenticator(pki.dir),
    maxConnectionAgeMs: options.maxConnectionAgeMs,
  });
  const port = await server.listen(options.port ?? 0, "127.0.0.1");
  return { server, port, baseUrl: `https://127.0.0.1:${port}`, stop: () => server.shutdown(1000) };
}
