import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { ServiceCert } from "../../platform/pki/index.js";
import { SERVER_CORE, spawnPinned, stopChild } from "../children.js";
import { freePort } from "../net-util.js";

/** StackObservability is how both processes are configured. */
export interface StackObservability {
  readonly logLevel: "info" | "warn";
  /** OTLP/gRPC collector; tracing is off without one. */
  readonly otlpEndpoint: string | undefined;
}

/** StackCerts are the identities of the two processes, from one CA. */
export interface StackCerts {
  /** The CA's directory: identity's CERTS_DIR, where its dev token key is made (jwt/). */
  readonly dir: string;
  readonly identity: ServiceCert;
  readonly gateway: ServiceCert;
}

/** ObservedStack is identity and the gateway running pinned on SERVER_CORE. */
export interface ObservedStack {
  readonly identityPid: number;
  readonly gatewayPid: number;
  /** The gateway's public port. */
  readonly port: number;
  /** identity's admin port (`/metrics`). */
  readonly identityAdminPort: number;
  /** Stops the gateway, then identity (each flushes its spans as it drains). */
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const IDENTITY_ENTRY = join(root, "bench/observability/identity-service.ts");
const GATEWAY_ENTRY = join(root, "gateway/main.ts");
// Draining waits for the telemetry flush; give it time before SIGKILL.
const STOP_GRACE_MS = 15_000;

/**
 * startObservedStack runs identity (bench/observability/identity-service.ts)
 * and the production gateway (gateway/main.ts) with plain `node --import
 * tsx`, both on the serving core, configured only through the environment
 * as in a deployment. Their stdout, where the logs go, is /dev/null: every
 * line is still built and written, only nothing stores it. Ports are
 * picked up front, since with LOG_LEVEL=warn nothing logs them; the stack
 * is up when both readiness probes answer 200.
 */
export async function startObservedStack(
  mode: StackObservability,
  certs: StackCerts,
): Promise<ObservedStack> {
  const dataDir = mkdtempSync(join(tmpdir(), "pp-obs-"));
  const gatewayDataDir = mkdtempSync(join(tmpdir(), "pp-obs-gw-"));
  const [rpcPort, identityAdmin, port, gatewayAdmin] = await freePorts(4);
  const common: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: mode.logLevel };
  // Embedded PGlite and the in-process broker, whatever the shell has set.
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "DATABASE_URL", "NATS_URL"])
    delete common[name];
  if (mode.otlpEndpoint) {
    common["OTEL_EXPORTER_OTLP_ENDPOINT"] = mode.otlpEndpoint;
    common["OTEL_TRACES_SAMPLER_ARG"] = "1";
  }
  const identity = start(IDENTITY_ENTRY, {
    ...common,
    ...tlsEnv(certs.identity),
    RPC_PORT: String(rpcPort),
    ADMIN_PORT: String(identityAdmin),
    DATA_DIR: dataDir,
    CERTS_DIR: certs.dir,
  });
  const gateway = start(GATEWAY_ENTRY, {
    ...common,
    ...tlsEnv(certs.gateway),
    PORT: String(port),
    ADMIN_PORT: String(gatewayAdmin),
    DATA_DIR: gatewayDataDir,
    UPSTREAMS: `identity=https://127.0.0.1:${rpcPort}`,
    // One client sends every request: its read budget must not be what is measured.
    RATE_LIMIT_READ: "999999999/1",
  });
  const stop = async () => {
    await stopChild(gateway, STOP_GRACE_MS);
    await stopChild(identity, STOP_GRACE_MS);
    for (const dir of [dataDir, gatewayDataDir]) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([waitReady(identity, identityAdmin!), waitReady(gateway, gatewayAdmin!)]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    identityPid: identity.pid!,
    gatewayPid: gateway.pid!,
    port: port!,
    identityAdminPort: identityAdmin!,
    stop,
  };
}

// BENCH_PROFILE_DIR: each process writes a V8 CPU profile there when it exits.
const profileDir = process.env["BENCH_PROFILE_DIR"];
const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];

function start(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawnPinned(SERVER_CORE, process.execPath, [...profile, "--import", "tsx", entry], {
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
}

// The certificate comes in through TLS_*_PATH, as cert-manager mounts it.
function tlsEnv(cert: ServiceCert): Record<string, string> {
  return { TLS_CERT_PATH: cert.certFile, TLS_KEY_PATH: cert.keyFile, TLS_CA_PATH: cert.caFile };
}

async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** waitReady polls `/health/ready` until 200; it fails if the process exits or 60 s pass. */
async function waitReady(child: ChildProcess, adminPort: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    const status = await fetch(`http://127.0.0.1:${adminPort}/health/ready`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready on admin port ${adminPort}`);
    await sleep(100);
  }
}
