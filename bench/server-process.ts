import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SERVER_CORE, spawnPinned, stopChild } from "./children.js";

/** ServerKind names a file `bench/servers/<kind>-server.ts`. */
export type ServerKind = "platform" | "grpc-js" | "connect-node" | "bare-http2";

/** ServerStats is what a server counted so far (see UserStore). */
export interface ServerStats {
  readonly handled: number;
  readonly notFound: number;
}

/** ServerProcess is one benchmark server running pinned on SERVER_CORE. */
export interface ServerProcess {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly port: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** ServerStartOptions say which certificate to serve and whether to profile. */
export interface ServerStartOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Write a V8 CPU profile here when the server exits (node --cpu-prof). */
  readonly cpuProfDir?: string;
  readonly extraEnv?: Record<string, string>;
  /** A server entry file elsewhere (e.g. gateway/bench); `kind` then only names it. */
  readonly entry?: string;
}

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * startServer runs a server entry with plain `node --import tsx` rather than
 * the tsx CLI: the CLI forks a second node process, and CPU accounting must
 * read the process that serves. It resolves once the server printed its port.
 */
export async function startServer(
  kind: ServerKind,
  opts: ServerStartOptions,
): Promise<ServerProcess> {
  const profile = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawnPinned(
    SERVER_CORE,
    process.execPath,
    [...profile, "--import", "tsx", opts.entry ?? join(here, "servers", `${kind}-server.ts`)],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: {
        ...process.env,
        BENCH_PORT: "0",
        BENCH_CERT_FILE: opts.certFile,
        BENCH_KEY_FILE: opts.keyFile,
        BENCH_CA_FILE: opts.caFile,
        ...opts.extraEnv,
      },
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const { port } = JSON.parse(await nextLine(lines, child, `${kind} server start`)) as {
    port: number;
  };
  return {
    kind,
    pid: child.pid!,
    port,
    async stats() {
      child.stdin!.write("stats\n");
      return JSON.parse(await nextLine(lines, child, `${kind} stats`)) as ServerStats;
    },
    stop: () => stopChild(child),
  };
}

function nextLine(lines: Interface, child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what}: exited with ${code}`));
    child.once("exit", onExit);
    lines.once("line", (line) => {
      child.off("exit", onExit);
      resolve(line);
    });
  });
}
