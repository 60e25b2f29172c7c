import type { IncomingMessage, ServerResponse } from "node:http";
import type { DestinationStream } from "pino";
import { routes as generatedRoutes } from "../gen/gateway/routes.js";
import { createProcessAuthenticator } from "../platform/auth/create-process-authenticator.js";
import type { Database } from "../platform/db/index.js";
import { createLogger, type Logger } from "../platform/log/index.js";
import {
  createHttpMetrics,
  createMetrics,
  type HttpMetrics,
  type RouteRecorder,
} from "../platform/metrics/index.js";
import { type AdminServer, createAdminServer } from "../platform/service/admin-server.js";
import { resolveTls } from "../platform/service/resolve-tls.js";
import { reloadMountedTls, type TlsReloader } from "../platform/service/tls-reloader.js";
import { loadBuildInfo } from "../platform/status/build-info.js";
import { createServiceStatus, type StatusMonitor } from "../platform/status/index.js";
import { startTracing, type Tracing } from "../platform/tracing/index.js";
import { createGatewayAuthenticator } from "./auth/create-gateway-authenticator.js";
import { openGatewayDatabase } from "./db/open-gateway-database.js";
import { createDocsHandler, DOCS_PATH, type DocsHandler } from "./docs/index.js";
import { type IdempotencyCleaner, startIdempotencyCleaner } from "./edge/idempotency-cleaner.js";
import { createIdempotencyStore, type IdempotencyStore } from "./edge/idempotency-store.js";
import { setSecurityHeaders } from "./edge/security-headers.js";
import { type GatewayConfig, loadGatewayConfig, rateLimitsOf } from "./gateway-config.js";
import { createOpenApiResponder, OPENAPI_PATH, type StaticResponder } from "./openapi-document.js";
import { createPublicServer, type PublicServer, type RequestListener } from "./public-server.js";
import type { GatewayAuthenticator } from "./runtime/create-gateway-handler.js";
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
  /**
   * Replaces the gateway's own authentication (bearer tokens and API keys
   * verified against identity, gateway/auth): for tests of the runtime.
   */
  readonly authenticate?: GatewayAuthenticator;
}

// An idempotency claim outlives the request that holds it by this much:
// the RPC's deadline bounds the request, then its answer is saved.
const IDEMPOTENCY_LOCK_MARGIN_MS = 30_000;

interface State {
  started: boolean;
  readonly draining: AbortSignal;
}

/**
 * startGateway boots the REST/JSON gateway: config (throws ConfigError
 * listing every problem), logger, the admin port (probes answer while it
 * starts, `/metrics`, and `/status`: the database and each upstream,
 * checked in the background), the gateway's mTLS identity, its database
 * (idempotency keys, migrated here, with their cleaner), one client
 * transport per upstream (presenting a renewed certificate without a
 * restart when TLS_*_PATH are set), then the public port serving the
 * generated routes, `/openapi.json` and `/docs`. Everything is built
 * here, once (STYLE.md 15).
 */
export async function startGateway(
  env: NodeJS.ProcessEnv = process.env,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  const logger = createLogger({
    service: "gateway",
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  // Before the handler and upstream clients are built: each decides once
  // whether to trace. The gateway hands every span's parent over
  // explicitly (its request span), so it registers no context manager.
  const tracing = await startTracing({
    service: "gateway",
    asyncContext: false,
    version: loadBuildInfo({ gitSha: config.gitSha, buildTime: config.buildTime }).version,
    endpoint: config.otelEndpoint,
    sampleRatio: config.traceSampleRatio,
    logger,
  });
  const routes = options.routes ?? generatedRoutes;
  const { urls, unused } = resolveUpstreams(routes, config.upstreams);
  if (unused.length > 0)
    logger.warn({ upstreams: unused }, "UPSTREAMS names services no route calls");
  const startedAt = Date.now();
  // Aborted when the drain begins: readiness and /status turn 503 at once.
  const draining = new AbortController();
  const state: State = { started: false, draining: draining.signal };
  const metrics = createMetrics("gateway");
  const status = createServiceStatus({
    config,
    registry: metrics.registry,
    logger,
    startedAt,
    draining: draining.signal,
  });
  const admin = createAdminServer(
    { started: () => state.started, ready: async () => ready(state) },
    { metrics, status: status.handler },
  );
  const adminPort = await admin.listen(config.adminPort, config.host);
  let database: Database | undefined;
  let tlsReloader: TlsReloader | undefined;
  try {
    const resolved = await resolveTls("gateway", config);
    // The upstream session pools read the live material for each new
    // session; the public and admin ports are plain HTTP, so that is all.
    tlsReloader = reloadMountedTls(resolved, config, logger);
    const tls = tlsReloader?.tls ?? resolved;
    database = await openGatewayDatabase(config, { logger, metrics: metrics.registry });
    const store = createIdempotencyStore(database.db, {
      lockMs: config.requestTimeoutMs + IDEMPOTENCY_LOCK_MARGIN_MS,
    });
    const upstreams = createUpstreams(urls, routes, {
      tls,
      maxMessageBytes: config.maxMessageBytes,
    });
    // /status: the idempotency database, and each upstream's circuit and health.
    status.watch({ database });
    for (const name of Object.keys(urls)) {
      const transport = upstreams.transport(name);
      if (transport) status.registry.registerUpstream(name, transport);
    }
    status.monitor.start();
    const http = createHttpMetrics(metrics.registry);
    // Credentials are checked over the same identity connection the routes use.
    const auth = createProcessAuthenticator(
      config,
      tls,
      undefined,
      upstreams.transport("identity"),
    );
    const listener = await createListener(
      { routes, upstreams, config, logger, metrics: http },
      {
        store,
        authenticate: options.authenticate ?? createGatewayAuthenticator(auth.authenticate, routes),
      },
    );
    const server = createPublicServer(listener, {
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    });
    const port = await server.listen(config.port, config.host);
    const cleaner = startIdempotencyCleaner({
      store,
      retentionMs: config.idempotencyRetentionMs,
      intervalMs: config.idempotencyCleanupIntervalMs,
      logger,
    });
    state.started = true;
    logger.info(
      { port, admin_port: adminPort, upstreams: urls, database: database.kind },
      "gateway started",
    );
    const parts = {
      server,
      upstreams,
      admin,
      logger,
      tracing,
      database,
      cleaner,
      auth,
      tlsReloader,
      status: status.monitor,
    };
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= drain(draining, parts, config);
      return stopping;
    };
    return { port, adminPort, logger, stop };
  } catch (err) {
    status.monitor.stop();
    await tlsReloader?.stop();
    await database?.close();
    await admin.close();
    throw err;
  }
}

function ready(state: State): { ok: boolean; reason?: string } {
  if (state.draining.aborted) return { ok: false, reason: "draining" };
  return state.started ? { ok: true } : { ok: false, reason: "starting" };
}

interface ListenerParts {
  readonly routes: readonly RouteSpec[];
  readonly upstreams: Upstreams;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
}

async function createListener(
  { routes, upstreams, config, logger, metrics }: ListenerParts,
  edge: { readonly store: IdempotencyStore; readonly authenticate?: GatewayAuthenticator },
): Promise<RequestListener> {
  const api = createGatewayHandler({
    routes,
    call: upstreams.call,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    logger,
    metrics,
    trustClientTrace: config.traceTrustClient,
    authenticate: edge.authenticate,
    rateLimits: {
      limits: rateLimitsOf(config),
      trustedProxyHops: config.trustedProxyHops,
      maxKeys: config.rateLimitMaxKeys,
    },
    idempotency: edge.store,
    cors: {
      origins: config.corsOrigins,
      allowCredentials: config.corsAllowCredentials,
      maxAgeS: config.corsMaxAgeS,
    },
  });
  const openapi = await createOpenApiResponder();
  const docs = createDocsHandler({ openapiUrl: OPENAPI_PATH });
  return dispatch(api, openapi, docs, {
    openapi: metrics.route(OPENAPI_PATH),
    docs: metrics.route(DOCS_PATH),
  });
}

/**
 * dispatch sends `/openapi.json` to the document responder, `/docs` and its
 * assets to the API reference page, and everything else to the route
 * table, whose 404 envelope covers unknown paths. API requests pay two
 * string compares for it. The route table's handler records its own
 * metrics and sets its own security headers; the document's and the
 * page's requests get them here (the page then replaces the CSP with its
 * own) and are recorded under `/openapi.json` and `/docs` (assets
 * included).
 */
function dispatch(
  api: RequestListener,
  openapi: StaticResponder,
  docs: DocsHandler,
  recorders: { readonly openapi: RouteRecorder; readonly docs: RouteRecorder },
): RequestListener {
  return (req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith(OPENAPI_PATH) && isExactPath(url, OPENAPI_PATH.length)) {
      const started = performance.now();
      setSecurityHeaders(res);
      openapi(req, res);
      observe(recorders.openapi, req, res, started);
    } else if (!url.startsWith(DOCS_PATH)) {
      api(req, res);
    } else {
      const started = performance.now();
      setSecurityHeaders(res);
      if (docs(req, res, pathOf(url))) observe(recorders.docs, req, res, started);
      else api(req, res);
    }
  };
}

// The document and the page answer synchronously: done when they return.
function observe(
  recorder: RouteRecorder,
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
): void {
  const status = res.writableEnded ? res.statusCode : 499;
  recorder.observe(req.method ?? "GET", status, (performance.now() - started) / 1000);
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
  readonly database: Database;
  readonly cleaner: IdempotencyCleaner;
  readonly auth: { close(): Promise<void> };
  readonly tlsReloader: TlsReloader | undefined;
  readonly status: StatusMonitor;
}

/**
 * drain is the graceful shutdown (DESIGN.md, lifecycle): readiness and
 * `/status` turn 503 first, then (after SHUTDOWN_DELAY_MS, for load balancers to notice) the
 * public port stops accepting and in-flight requests finish until
 * SHUTDOWN_TIMEOUT_MS; only then are the upstream connections closed, so
 * no request loses its RPC, and the database, so every keyed request saved
 * its answer.
 */
async function drain(
  draining: AbortController,
  parts: Parts,
  config: { shutdownDelayMs: number; shutdownTimeoutMs: number },
): Promise<void> {
  draining.abort();
  // Before the delay: clients on kept-alive connections are told to leave
  // while the server still answers, instead of being reset at close.
  parts.server.beginDrain();
  parts.logger.info({ in_flight: parts.server.inFlight() }, "draining");
  if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
  await parts.server.drain(config.shutdownTimeoutMs);
  // The checks keep their last results; the upstreams they call close next.
  parts.status.stop();
  await parts.cleaner.stop();
  await parts.upstreams.close();
  await parts.auth.close();
  await parts.tlsReloader?.stop();
  await parts.database.close();
  await parts.admin.close();
  await parts.tracing.shutdown();
  parts.logger.info("stopped");
}
