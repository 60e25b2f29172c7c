import type { DestinationStream } from "pino";
import { routes as generatedRoutes } from "../gen/gateway/routes.js";
import { loadConfig } from "../platform/config/index.js";
import { createLogger, type Logger } from "../platform/log/index.js";
import { type AdminServer, createAdminServer } from "../platform/service/admin-server.js";
import { resolveTls } from "../platform/service/resolve-tls.js";
import { loadBuildInfo } from "../platform/status/build-info.js";
import { startTracing, type Tracing } from "../platform/tracing/index.js";
import { createDocsHandler, DOCS_PATH, type DocsHandler } from "./docs/index.js";
import { type GatewayConfig, gatewayConfig } from "./gateway-config.js";
import { createOpenApiResponder, OPENAPI_PATH, type StaticResponder } from "./openapi-document.js";
import { createPublicServer, type PublicServer, type RequestListener } from "./public-server.js";
import { createGatewayHandler, type RouteSpec } from "./runtime/index.js";
import { createUpstreams, resolveUpstreams, type Upstreams } from "./upstreams.js";

/** RunningGateway is a started gateway; `stop` drains it gracefully. */
export interface RunningGateway {
  /** The public REST/JSON port. */
  readonly port: number;
  readonly adminPort: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** StartGatewayOptions are for tests and tools; production passes none. */
export interface StartGatewayOptions {
  /** The route table; default gen/gateway/routes.ts. */
  readonly routes?: readonly RouteSpec[];
  /** Where log lines go; default stdout. */
  readonly logDestination?: DestinationStream;
}

interface State {
  started: boolean;
  draining: boolean;
}

/**
 * startGateway boots the REST/JSON gateway: config (throws ConfigError
 * listing every problem), logger, the admin port (probes answer while it
 * starts), the gateway's mTLS identity, one client transport per upstream,
 * then the public port serving the generated routes, `/openapi.json` and
 * `/docs`. Everything is built here, once (STYLE.md 15).
 */
export async function startGateway(
  env: NodeJS.ProcessEnv = process.env,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const config = loadConfig(gatewayConfig, env);
  const logger = createLogger({
    service: "gateway",
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  // Before the handler and upstream clients are built: each decides once whether to trace.
  const tracing = await startTracing({
    service: "gateway",
    version: loadBuildInfo({ gitSha: config.gitSha, buildTime: config.buildTime }).version,
    endpoint: config.otelEndpoint,
    sampleRatio: config.traceSampleRatio,
  });
  const routes = options.routes ?? generatedRoutes;
  const { urls, unused } = resolveUpstreams(routes, config.upstreams);
  if (unused.length > 0)
    logger.warn({ upstreams: unused }, "UPSTREAMS names services no route calls");
  const state: State = { started: false, draining: false };
  const admin = createAdminServer({
    started: () => state.started,
    ready: async () => ready(state),
  });
  const adminPort = await admin.listen(config.adminPort, config.host);
  try {
    const tls = await resolveTls("gateway", config);
    const upstreams = createUpstreams(urls, routes, {
      tls,
      maxMessageBytes: config.maxMessageBytes,
    });
    const server = createPublicServer(await createListener(routes, upstreams, config, logger));
    const port = await server.listen(config.port, config.host);
    state.started = true;
    logger.info({ port, admin_port: adminPort, upstreams: urls }, "gateway started");
    const parts = { server, upstreams, admin, logger, tracing };
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= drain(state, parts, config);
      return stopping;
    };
    return { port, adminPort, logger, stop };
  } catch (err) {
    await admin.close();
    throw err;
  }
}

function ready(state: State): { ok: boolean; reason?: string } {
  if (state.draining) return { ok: false, reason: "draining" };
  return state.started ? { ok: true } : { ok: false, reason: "starting" };
}

async function createListener(
  routes: readonly RouteSpec[],
  upstreams: Upstreams,
  config: GatewayConfig,
  logger: Logger,
): Promise<RequestListener> {
  const api = createGatewayHandler({
    routes,
    call: upstreams.call,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    logger,
  });
  const openapi = await createOpenApiResponder();
  return dispatch(api, openapi, createDocsHandler({ openapiUrl: OPENAPI_PATH }));
}

/**
 * dispatch sends `/openapi.json` to the document responder, `/docs` and its
 * assets to the API reference page, and everything else to the route
 * table, whose 404 envelope covers unknown paths. API requests pay two
 * string compares for it.
 */
function dispatch(
  api: RequestListener,
  openapi: StaticResponder,
  docs: DocsHandler,
): RequestListener {
  return (req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith(OPENAPI_PATH) && isExactPath(url, OPENAPI_PATH.length)) openapi(req, res);
    else if (!url.startsWith(DOCS_PATH) || !docs(req, res, pathOf(url))) api(req, res);
  };
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

/** isExactPath says whether the path ends at `length` (a query may follow). */
function isExactPath(url: string, length: number): boolean {
  return url.length === length || url[length] === "?";
}

interface Parts {
  readonly server: PublicServer;
  readonly upstreams: Upstreams;
  readonly admin: AdminServer;
  readonly logger: Logger;
  readonly tracing: Tracing;
}

/**
 * drain is the graceful shutdown (DESIGN.md, lifecycle): readiness turns 503
 * first, then (after SHUTDOWN_DELAY_MS, for load balancers to notice) the
 * public port stops accepting and in-flight requests finish until
 * SHUTDOWN_TIMEOUT_MS; only then are the upstream connections closed, so
 * no request loses its RPC.
 */
async function drain(
  state: State,
  parts: Parts,
  config: { shutdownDelayMs: number; shutdownTimeoutMs: number },
): Promise<void> {
  state.draining = true;
  parts.logger.info({ in_flight: parts.server.inFlight() }, "draining");
  if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
  await parts.server.drain(config.shutdownTimeoutMs);
  await parts.upstreams.close();
  await parts.admin.close();
  await parts.tracing.shutdown();
  parts.logger.info("stopped");
}
