import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOAD_CORE, spawnPinned, stopChild } from "./children.js";
import { freePort, waitForPort } from "./net-util.js";

/** HaproxyOptions describe the one backend haproxy forwards to. */
export interface HaproxyOptions {
  readonly binary: string;
  /** Where the config file goes. */
  readonly dir: string;
  readonly serverPort: number;
  /** Client certificate + key, one PEM file. */
  readonly clientPemFile: string;
  readonly caFile: string;
}

/** Haproxy is a running haproxy, pinned with the load generator. */
export interface Haproxy {
  readonly pid: number;
  /** Plain-text HTTP/2 (h2c, prior knowledge) on 127.0.0.1. */
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * haproxyConfig is the mTLS-originating proxy. h2load cannot present a
 * client certificate, so it speaks h2c to haproxy, and haproxy (C, one
 * thread) opens TLS to the server with the caller's certificate, verifies
 * the server's, and multiplexes every request onto reused HTTP/2
 * connections. gRPC passes through untouched: haproxy's HTX keeps
 * trailers end to end since 2.0.
 */
export function haproxyConfig(opts: HaproxyOptions, frontendPort: number): string {
  return `global
  nbthread 1
  maxconn 4096
  # No syslog, no stats: haproxy shares the load generator's core.

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always

frontend grpc_h2c
  bind 127.0.0.1:${frontendPort} proto h2
  default_backend grpc_mtls

backend grpc_mtls
  server s1 127.0.0.1:${opts.serverPort} ssl crt ${opts.clientPemFile} ca-file ${opts.caFile} verify required alpn h2 sni str(localhost)
`;
}

/** startHaproxy writes the config, runs haproxy in the foreground on LOAD_CORE and waits for it. */
export async function startHaproxy(opts: HaproxyOptions): Promise<Haproxy> {
  const port = await freePort();
  const configFile = join(opts.dir, `haproxy-${opts.serverPort}.cfg`);
  writeFileSync(configFile, haproxyConfig(opts, port));
  // -db: stay in the foreground, so the child is haproxy itself.
  const child = spawnPinned(LOAD_CORE, opts.binary, ["-db", "-f", configFile], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  await Promise.race([
    waitForPort(port),
    new Promise((_, reject) => child.once("exit", (c) => reject(new Error(`haproxy exited ${c}`)))),
  ]);
  return { pid: child.pid!, port, stop: () => stopChild(child) };
}
