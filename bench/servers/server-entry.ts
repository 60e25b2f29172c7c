import { readFileSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";
import { createInterface } from "node:readline";

/** ServerTls is the PEM material a benchmark server serves with. */
export interface ServerTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** ServerEnv is what the orchestrator hands every server child. */
export interface ServerEnv {
  readonly port: number;
  readonly tls: ServerTls;
}

/** readServerEnv reads BENCH_PORT and the BENCH_*_FILE certificate paths. */
export function readServerEnv(): ServerEnv {
  const file = (name: string) => {
    const path = process.env[name];
    if (!path) throw new Error(`${name} is not set`);
    return readFileSync(path, "utf8");
  };
  return {
    port: Number(process.env["BENCH_PORT"] ?? 0),
    tls: { cert: file("BENCH_CERT_FILE"), key: file("BENCH_KEY_FILE"), ca: file("BENCH_CA_FILE") },
  };
}

/**
 * announce prints `{"port":N}` on stdout, then serves a tiny control
 * protocol on stdin: each `stats` line is answered with one JSON line from
 * `stats()`. When stdin closes (the orchestrator exited or crashed) the
 * server exits too, so no benchmark server outlives its run. SIGTERM exits
 * through process.exit so `node --cpu-prof` still writes its profile.
 */
export function announce(port: number, stats: () => object): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "stats") process.stdout.write(`${JSON.stringify(stats())}\n`);
  });
  lines.on("close", () => process.exit(0));
  process.once("SIGTERM", () => process.exit(0));
  process.once("SIGINT", () => process.exit(0));
}

/** listenOn listens on 127.0.0.1 (loopback only) and resolves the bound port. */
export function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}
