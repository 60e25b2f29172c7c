import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventBroker } from "../../platform/events/broker.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";

/** StatusResponse is one answer of the admin port. */
export interface StatusResponse {
  readonly code: number;
  readonly text: string;
  readonly headers: Headers;
  /** The `key: value` lines of a plain status page; empty for JSON and 404. */
  readonly fields: ReadonlyMap<string, string>;
}

/** getStatus GETs `path` on an admin port. */
export async function getStatus(
  adminPort: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<StatusResponse> {
  const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, { headers });
  const text = await res.text();
  const page = res.status !== 404 && res.headers.get("content-type")?.startsWith("text/plain");
  return {
    code: res.status,
    text,
    headers: res.headers,
    fields: page ? parseFields(text) : new Map(),
  };
}

/** parseFields reads a plain status page; a line that is not `key: value` throws. */
export function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.trimEnd().split("\n")) {
    const match = /^([a-z][a-z0-9_]*): (.*)$/.exec(line);
    if (match === null) throw new Error(`not a key: value line: ${JSON.stringify(line)}`);
    fields.set(match[1]!, match[2]!);
  }
  return fields;
}

/** runsOf reads `status_check_runs_total{subsystem}` from `/metrics`. */
export async function runsOf(adminPort: number, subsystem: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`status_check_runs_total{subsystem="${subsystem}"`));
  return Number(line?.split(" ").at(-1) ?? Number.NaN);
}

/** TestService is a service started here, with its scratch directory. */
export interface TestService {
  readonly service: RunningService;
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * startIdentityWith starts identity on PGlite with free ports and extra
 * environment (STATUS_* keys); `scratch` and `broker` let a test restart it
 * on the same data, or share an in-process broker with orders.
 */
export async function startIdentityWith(
  extra: Record<string, string>,
  options: { scratch?: string; broker?: EventBroker } = {},
): Promise<TestService> {
  const scratch = options.scratch ?? mkdtempSync(join(tmpdir(), "pp-status-"));
  const env = {
    RPC_PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: join(scratch, "certs"),
    DATA_DIR: join(scratch, "data"),
    LOG_LEVEL: "silent",
    ...extra,
  };
  const removeScratch = () => {
    if (options.scratch === undefined) rmSync(scratch, { recursive: true, force: true });
  };
  const service = await startService(
    identityService,
    env,
    options.broker ? { broker: options.broker } : {},
  ).catch((err: unknown) => {
    removeScratch();
    throw err;
  });
  return {
    service,
    env,
    async stop() {
      await service.stop();
      removeScratch();
    },
  };
}
