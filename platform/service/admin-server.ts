import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "../metrics/index.js";
import type { StatusHandler } from "../status/index.js";

/** Probes answer the three Kubernetes questions about a process. */
export interface Probes {
  /** Startup: migrations done and ports open. Until then liveness is not asked. */
  started(): boolean;
  /** Readiness: may this instance take traffic now (not draining, database up)? */
  ready(): Promise<{ ok: boolean; reason?: string }>;
}

/** AdminServerOptions are the optional pages of the admin port. */
export interface AdminServerOptions {
  /** Served on `/metrics`. */
  readonly metrics?: Metrics | undefined;
  /** Serves `/status`, `/status/health` and `/status/<subsystem>`. */
  readonly status?: StatusHandler | undefined;
}

/** AdminServer is the plain-HTTP admin port: probes, metrics and status pages. */
export interface AdminServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * createAdminServer serves `/health/live`, `/health/ready` and
 * `/health/startup` with the Kubernetes probe semantics: 200 or 503, a
 * one-line text body, never cached; plus `/metrics` and the `/status` pages
 * when given. It is plain HTTP on a separate port so kubelet and Prometheus
 * reach it without a client certificate.
 */
export function createAdminServer(probes: Probes, options: AdminServerOptions = {}): AdminServer {
  const server: Server = createServer((req, res) => {
    void handle(probes, options, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  probes: Probes,
  { metrics, status }: AdminServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
  if (status !== undefined && (path === "/status" || path.startsWith("/status/"))) {
    return status(req, res);
  }
  switch (path) {
    case "/health/live":
      return send(res, 200, "ok");
    case "/health/startup":
      return probes.started() ? send(res, 200, "ok") : send(res, 503, "starting");
    case "/health/ready": {
      const { ok, reason } = await probes.ready();
      return send(res, ok ? 200 : 503, ok ? "ok" : (reason ?? "not ready"));
    }
    case "/metrics":
      if (metrics === undefined) return send(res, 404, "not found");
      res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
      res.end(await metrics.render());
      return;
    default:
      return send(res, 404, "not found");
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(`${body}\n`);
}
