import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "../metrics/index.js";

/** Probes answer the three Kubernetes questions about a process. */
export interface Probes {
  /** Startup: migrations done and ports open. Until then liveness is not asked. */
  started(): boolean;
  /** Readiness: may this instance take traffic now (not draining, database up)? */
  ready(): Promise<{ ok: boolean; reason?: string }>;
}

/** AdminServer is the plain-HTTP admin port: probes and metrics. */
export interface AdminServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * createAdminServer serves `/health/live`, `/health/ready` and
 * `/health/startup` with the Kubernetes probe semantics: 200 or 503, a
 * one-line text body, never cached. It is plain HTTP on a separate port so
 * kubelet can probe without a client certificate.
 */
export function createAdminServer(probes: Probes, metrics?: Metrics): AdminServer {
  const server: Server = createServer((req, res) => {
    void handle(probes, metrics, req, res);
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
  metrics: Metrics | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
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
