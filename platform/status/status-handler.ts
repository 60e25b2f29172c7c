import type { IncomingMessage, ServerResponse } from "node:http";
import type { BuildInfo } from "./build-info.js";
import type { StatusMonitor, StatusSnapshot } from "./create-status-monitor.js";
import {
  renderStatusJson,
  renderStatusText,
  type StatusPageInfo,
  statusLine,
  subsystemSnapshot,
} from "./render-status.js";
import type { StatusAccess } from "./status-access.js";
import type { StatusLevel } from "./status-check.js";

/** StatusHandlerOptions are the parts the status pages are drawn from. */
export interface StatusHandlerOptions {
  readonly monitor: Pick<StatusMonitor, "snapshot">;
  readonly access: StatusAccess;
  readonly build: BuildInfo;
  /** When the service started (ms since the epoch), for `uptime_seconds`. */
  readonly startedAt: number;
}

/** StatusHandler answers `/status`, `/status/health` and `/status/<subsystem>`. */
export type StatusHandler = (req: IncomingMessage, res: ServerResponse) => void;

type Format = "text" | "json";

const CHALLENGE = { "www-authenticate": 'Basic realm="status"' };

/**
 * createStatusHandler serves the status pages from the monitor's cache; no
 * request runs a check. 200 for OK and WARN, 503 for ERROR.
 *
 * - `/status/health` is for load balancers: `status: OK` or `status: ERROR`,
 *   nothing else, for anyone.
 * - `/status` and `/status/<subsystem>` show the details to allow-listed
 *   addresses and basic-auth holders. A request without credentials gets
 *   the overall level alone (no message: it may name hosts), 200 or 503 as
 *   for anyone, with `WWW-Authenticate` naming the scheme; one with wrong
 *   credentials gets 401, so a browser asks again and a script learns its
 *   secret is wrong instead of reading a summary. Unknown subsystems are
 *   404, for those who may see which ones exist.
 *
 * Plain `key: value` text by default; JSON for `Accept: application/json`
 * or `?format=json`.
 */
export function createStatusHandler(options: StatusHandlerOptions): StatusHandler {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://admin");
    const format = formatOf(url, req.headers.accept);
    const snapshot = options.monitor.snapshot();
    if (url.pathname === "/status/health") {
      return sendLevel(res, format, snapshot.level === "ERROR" ? "ERROR" : "OK", {});
    }
    const authorization = req.headers.authorization;
    if (!options.access.canSeeDetails(req.socket.remoteAddress, authorization)) {
      if (authorization !== undefined) {
        const body =
          format === "json" ? '{"error":"wrong credentials"}' : "error: wrong credentials\n";
        return send(res, 401, format, body, CHALLENGE);
      }
      return sendLevel(res, format, snapshot.level, CHALLENGE);
    }
    const shown = select(snapshot, url.pathname);
    if (shown === undefined) return send(res, 404, "text", "not found\n");
    const info = pageInfo(options);
    const code = httpStatus(shown.level);
    if (format === "json")
      return send(res, code, "json", JSON.stringify(renderStatusJson(shown, info)));
    return send(res, code, "text", renderStatusText(shown, info));
  };
}

function select(snapshot: StatusSnapshot, path: string): StatusSnapshot | undefined {
  if (path === "/status" || path === "/status/") return snapshot;
  // Subsystem names are snake_case: nothing in them is percent-encoded.
  const name = path.slice("/status/".length);
  const status = snapshot.subsystems.get(name);
  return status === undefined ? undefined : subsystemSnapshot(name, status);
}

function pageInfo(options: StatusHandlerOptions): StatusPageInfo {
  return {
    uptimeSeconds: Math.floor((Date.now() - options.startedAt) / 1000),
    version: options.build.version,
    gitSha: options.build.gitSha,
    buildTime: options.build.buildTime,
    nodeVersion: options.build.nodeVersion,
  };
}

function formatOf(url: URL, accept: string | undefined): Format {
  const asked = url.searchParams.get("format");
  if (asked === "json" || asked === "text") return asked;
  return accept?.includes("application/json") ? "json" : "text";
}

function httpStatus(level: StatusLevel): number {
  return level === "ERROR" ? 503 : 200;
}

function sendLevel(
  res: ServerResponse,
  format: Format,
  level: StatusLevel,
  headers: Record<string, string>,
): void {
  const body =
    format === "json" ? JSON.stringify({ status: level }) : `status: ${statusLine(level, "")}\n`;
  send(res, httpStatus(level), format, body, headers);
}

function send(
  res: ServerResponse,
  code: number,
  format: Format,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, {
    "content-type":
      format === "json" ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}
