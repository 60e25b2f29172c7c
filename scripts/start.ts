/**
 * start: runs the whole platform in this one process on embedded defaults
 * (PGlite, the in-process event broker, dev PKI): every service on its own
 * ports with its own certificate and mTLS between them, then the REST
 * gateway in front, and prints the endpoints. DATABASE_URL / NATS_URL switch
 * to real servers. One process, because the in-process broker connects only
 * services that share it; in production each service is its own process
 * (services/<name>/main.ts). Ctrl-C drains the gateway, then the services.
 */
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type RunningGateway, startGateway } from "../gateway/start-gateway.js";
import { ConfigError, formatProblems } from "../platform/config/index.js";
import type { EventBroker } from "../platform/events/broker.js";
import { createMemoryBroker } from "../platform/events/memory-broker.js";
import { ensureDevCa, ensureServiceCert } from "../platform/pki/index.js";
import {
  type RunningService,
  type ServiceDefinition,
  startService,
} from "../platform/service/index.js";
import { reconstructValidateProto } from "./reconstruct-validate-proto.js";

const certsDir = process.env.CERTS_DIR ?? ".certs";

// The dev CA is made once up front; each service then issues its own cert.
// The gateway's certificate is also what a developer uses with `buf curl`.
await ensureDevCa(certsDir);
// So `buf curl --schema .` works on a fresh clone (validate.proto is not in git).
reconstructValidateProto();
await ensureServiceCert(certsDir, { service: "gateway" });

const definitions = await loadDefinitions();
const broker: EventBroker | undefined = process.env.NATS_URL ? undefined : createMemoryBroker({});
const services: RunningService[] = [];
let gateway: RunningGateway | undefined;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAll());

try {
  // Services find each other on their default RPC ports (calls are lazy, so
  // none needs another to be up first).
  const upstreams = definitions
    .map((d) => `${d.name}=https://127.0.0.1:${d.ports.rpcPort}`)
    .join(",");
  for (const def of definitions) {
    const service = await startService(
      def,
      { ...process.env, UPSTREAMS: process.env.UPSTREAMS ?? upstreams },
      { broker },
    );
    services.push(service);
    announceService(service);
  }
  // The gateway calls each service on the port it really bound.
  gateway = await startGateway({
    ...process.env,
    UPSTREAMS: services.map((s) => `${s.name}=https://127.0.0.1:${s.rpcPort}`).join(","),
  });
  announceGateway(gateway);
} catch (err) {
  const message =
    err instanceof ConfigError
      ? formatProblems(err.problems)
      : err instanceof Error
        ? err.stack
        : String(err);
  process.stderr.write(`the platform failed to start:\n${message}\n`);
  await stopAll(1);
}

/**
 * loadDefinitions imports every `services/<name>/<name>-service.ts` and takes
 * its definition (the export whose `name` is the folder's): declaring a
 * service starts nothing.
 */
async function loadDefinitions(): Promise<ServiceDefinition[]> {
  const found: ServiceDefinition[] = [];
  for (const name of readdirSync("services").sort()) {
    const file = resolve("services", name, `${name}-service.ts`);
    if (!existsSync(file)) continue;
    const exports = Object.values(
      await import(pathToFileURL(file).href),
    ) as Partial<ServiceDefinition>[];
    const def = exports.find((e) => e?.name === name && e.ports !== undefined);
    if (def) found.push(def as ServiceDefinition);
  }
  return found;
}

/** stopAll drains the gateway first, so its in-flight requests still reach their services. */
async function stopAll(exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway?.stop();
  for (const service of [...services].reverse()) await service.stop();
  await broker?.close();
  process.stdout.write(`stopped: ${["gateway", ...services.map((s) => s.name)].join(", ")}\n`);
  process.exit(exitCode);
}

function announceService({ name, rpcPort, adminPort }: RunningService): void {
  const lines = [
    "",
    `  ${name} is up`,
    `    RPC (gRPC, Connect, gRPC-Web; mTLS)  https://127.0.0.1:${rpcPort}`,
    `    health, status, metrics              http://127.0.0.1:${adminPort}/health/ready`,
  ];
  if (name === "identity") {
    lines.push(
      `    try: npx buf curl --schema . --cacert ${certsDir}/ca.crt --cert ${certsDir}/gateway.crt \\`,
      `           --key ${certsDir}/gateway.key -d '{}' https://127.0.0.1:${rpcPort}/identity.v1.AuthService/GetJwks`,
      "         (other RPCs need an access token: see README, The REST gateway)",
    );
  }
  process.stdout.write([...lines, ""].join("\n"));
}

function announceGateway({ port, adminPort }: RunningGateway): void {
  process.stdout.write(
    [
      "",
      `  gateway  http://127.0.0.1:${port}  (sign up: POST /v1/auth/register, then send`,
      "    Authorization: Bearer <access_token>; README, The REST gateway, shows each step)",
      `    API reference   http://127.0.0.1:${port}/docs`,
      `    OpenAPI 3.1     http://127.0.0.1:${port}/openapi.json`,
      `    health          http://127.0.0.1:${adminPort}/health/ready`,
      "",
    ].join("\n"),
  );
}
