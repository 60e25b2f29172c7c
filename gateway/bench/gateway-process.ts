import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SERVER_CORE, spawnPinned, stopChild } from "../../bench/children.js";

/** GatewayProcess is gateway/main.ts running pinned on SERVER_CORE. */
export interface GatewayProcess {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

/** GatewayProcessOptions are the gateway's identity files and its one upstream. */
export interface GatewayProcessOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** The identity server's RPC port on 127.0.0.1. */
  readonly identityPort: number;
  /** Write a V8 CPU profile here when the gateway exits (node --cpu-prof). */
  readonly cpuProfDir?: string;
  /** Another entry calling startGateway (e.g. auth-gateway-entry.ts); default gateway/main.ts. */
  readonly entry?: string;
  /** Settings on top of the ones below (e.g. DATA_DIR, RATE_LIMIT_READ). */
  readonly extraEnv?: Record<string, string>;
}

const ENTRY = fileURLToPath(new URL("../main.ts", import.meta.url));

/**
 * startGatewayProcess runs the production entry point, exactly as deployed
 * (same config, logger, transports), with plain `node --import tsx` so the
 * measured pid is the process that serves, on the server's core. Its
 * certificate comes in through TLS_*_PATH, as cert-manager mounts it.
 */
export async function startGatewayProcess(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  const profile = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawnPinned(
    SERVER_CORE,
    process.execPath,
    [...profile, "--import", "tsx", opts.entry ?? ENTRY],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        PORT: "0",
        ADMIN_PORT: "0",
        LOG_LEVEL: "info",
        TLS_CERT_PATH: opts.certFile,
        TLS_KEY_PATH: opts.keyFile,
        TLS_CA_PATH: opts.caFile,
        UPSTREAMS: `identity=https://127.0.0.1:${opts.identityPort}`,
        ...opts.extraEnv,
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`gateway exited with ${code}`));
    child.once("exit", onExit);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.includes('"gateway started"')) return;
      child.off("exit", onExit);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return { pid: child.pid!, port, stop: () => stopChild(child) };
}
