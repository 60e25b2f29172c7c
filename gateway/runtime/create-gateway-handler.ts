import { setMaxListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Message, Registry } from "@bufbuild/protobuf";
import type { Span, Tracer } from "@opentelemetry/api";
import {
  type HttpMetrics,
  type RouteRecorder,
  UNMATCHED_ROUTE,
} from "../../platform/metrics/http-metrics.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../../platform/rpc/request-id.js";
import { attr } from "../../platform/tracing/semconv.js";
import { httpRequestTracer, nameHttpRoute } from "../../platform/tracing/trace-http-request.js";
import { tracerFor } from "../../platform/tracing/tracer-for.js";
import { type Cors, type CorsOptions, createCors } from "../edge/cors.js";
import { idempotencyFingerprint } from "../edge/idempotency-fingerprint.js";
import { readIdempotencyKey } from "../edge/idempotency-key.js";
import type { IdempotencyStore, StoredResponse } from "../edge/idempotency-store.js";
import { type EdgePrincipal, principalKey } from "../edge/principal-key.js";
import {
  createRateLimitGate,
  type RateLimitGate,
  type RateLimitGateOptions,
} from "../edge/rate-limit-gate.js";
import { runIdempotent } from "../edge/run-idempotent.js";
import { setSecurityHeaders } from "../edge/security-headers.js";
import { bearerChallenge } from "./bearer-challenge.js";
import { type ErrorResponse, renderError } from "./error-envelope.js";
import { corsOriginNotAllowed, methodNotAllowed, routeNotFound } from "./gateway-errors.js";
import { readJsonBody } from "./read-json-body.js";
import { withoutRedactedFields } from "./redacted-fields.js";
import { mapRequest } from "./request-mapper.js";
import { planRequest } from "./request-plan.js";
import { originForm } from "./request-target.js";
import { planResponse, responseJson, writeJson } from "./response-writer.js";
import { createRouteMatcher, type RouteMatcher } from "./route-matcher.js";
import type { RouteSpec } from "./route-spec.js";
import { routeTypeRegistry } from "./type-registry.js";

/** GatewayCallContext is what the gateway hands the upstream call besides the request. */
export interface GatewayCallContext {
  /**
   * Request metadata for the RPC: `x-request-id` and the client's
   * `authorization` if sent. `traceparent` is the tracing client's to set,
   * naming its CLIENT span under `span`.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted when the HTTP client goes away; the call should cancel the RPC. */
  readonly signal: AbortSignal;
  /** The RPC deadline; the call enforces it and propagates it downstream. */
  readonly timeoutMs: number;
  /**
   * The request's SERVER span when tracing. The gateway registers no
   * context manager (TracingOptions.asyncContext), so the call's CLIENT
   * span finds its parent here (callUnder), not in an active context.
   */
  readonly span?: Span | undefined;
}

/** GatewayCallResult is the upstream's answer. */
export interface GatewayCallResult {
  /** The response message (of `route.method.output`). */
  readonly message: Message;
  /** Response metadata; not forwarded to the public client (see createGatewayHandler). */
  readonly header?: Headers;
}

/**
 * GatewayCall performs the RPC for a route. It is injected so the runtime
 * stays testable without a network; production wires it to the platform's
 * mTLS client. It rejects with a ConnectError; anything else becomes a 500.
 */
export type GatewayCall = (
  route: RouteSpec,
  request: Message,
  context: GatewayCallContext,
) => Promise<GatewayCallResult>;

/** GatewayLogger is the slice of a pino logger the gateway uses. */
export interface GatewayLogger {
  error(obj: object, msg: string): void;
}

/**
 * GatewayAuthenticator verifies a request's credential (bearer token or API
 * key) for a matched route: the principal it acts for, undefined for an
 * anonymous request, or a thrown ConnectError (UNAUTHENTICATED, 401).
 */
export type GatewayAuthenticator = (
  req: IncomingMessage,
  route: RouteSpec,
  /** The request's span when tracing: a call the check makes hangs under it. */
  span: Span | undefined,
  /** The request's id (X-Request-ID), which a call the check makes carries. */
  requestId: string,
) => EdgePrincipal | undefined | Promise<EdgePrincipal | undefined>;

/** GatewayHandlerOptions configures createGatewayHandler. */
export interface GatewayHandlerOptions {
  /** The route table (gen/gateway/routes.ts). */
  readonly routes: readonly RouteSpec[];
  readonly call: GatewayCall;
  /** Largest accepted request body; 413 above it. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Deadline handed to every RPC. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Where server faults (5xx) are logged, with their cause. */
  readonly logger?: GatewayLogger;
  /**
   * RED metrics: every request is counted and timed under its route's path
   * template, or `unmatched` (see createHttpMetrics).
   */
  readonly metrics?: HttpMetrics;
  /**
   * AUTHENTICATION goes here: who each matched request acts for. Without
   * it every request is anonymous (rate-limited per client IP, no
   * idempotency keys).
   */
  readonly authenticate?: GatewayAuthenticator;
  /** Per-route rate limits (gateway/edge/rate-limit-gate.ts); none without. */
  readonly rateLimits?: RateLimitGateOptions;
  /**
   * Where `Idempotency-Key`s of POST and PATCH requests are kept; without
   * a store the header is ignored.
   */
  readonly idempotency?: IdempotencyStore;
  /** The CORS allow-list; none (no CORS headers) without. */
  readonly cors?: CorsOptions;
  /**
   * Whether a client's `traceparent` parents the request's span (default
   * true); false makes each request a new trace linked to the client's
   * (see httpRequestTracer).
   */
  readonly trustClientTrace?: boolean;
}

/** A Node `request` listener, for `http.createServer` or `http2.createSecureServer` (compat API). */
export type GatewayRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface Gateway {
  readonly matcher: RouteMatcher;
  /** The types a google.protobuf.Any in a request or response may hold. */
  readonly registry: Registry;
  readonly call: GatewayCall;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly logger: GatewayLogger | undefined;
  /** Set when the process traces: each request is then a SERVER span. */
  readonly tracer: Tracer | undefined;
  /** Each route's recorder, built at startup; `unmatched` for 404 and 405. */
  readonly recorders: ReadonlyMap<RouteSpec, RouteRecorder>;
  readonly unmatched: RouteRecorder;
  readonly authenticate: GatewayAuthenticator | undefined;
  readonly rateLimit: RateLimitGate | undefined;
  readonly idempotency: IdempotencyStore | undefined;
  readonly cors: Cors | undefined;
}

/** MatchedRequest is a request whose route is known, as serveRoute reads it. */
interface MatchedRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly head: boolean;
  readonly route: RouteSpec;
  readonly params: ReadonlyMap<string, string>;
  readonly url: string;
  readonly queryStart: number;
  readonly requestId: string;
  readonly span: Span | undefined;
}

// A signal that never aborts: keyed requests run to completion (see serveKeyed).
const NEVER_ABORTED = new AbortController().signal;

// The query of a URL without one; only read (mapRequest, idempotencyFingerprint).
const NO_QUERY = new URLSearchParams();

// Without metrics, requests are recorded nowhere.
const NO_RECORDER: RouteRecorder = { observe() {} };

/**
 * createGatewayHandler builds the REST/JSON gateway's request listener.
 * Everything configurable is resolved here, once: the route matcher is
 * compiled and every route's request and response mapping is checked, so a
 * bad route table fails at startup. Per request it only matches, maps,
 * calls and writes (STYLE.md 15).
 *
 * Every response carries `X-Request-ID` (the client's when well-formed,
 * else a new one) and the security headers, and is counted and timed
 * once, when it ends (`metrics`). Per request, in this order: a CORS
 * preflight is answered, the route matched, the client IP's rate limit
 * screened (once it is empty: 429 before any credential is verified), the
 * caller authenticated, the rate limit spent, the body read and mapped, an
 * Idempotency-Key claimed, then the RPC called and its answer written.
 * Errors use the one envelope and status mapping (error-envelope.ts).
 * Upstream response metadata is not forwarded: service headers are
 * internal, and public headers are the gateway's to decide.
 */
export function createGatewayHandler(options: GatewayHandlerOptions): GatewayRequestListener {
  for (const route of options.routes) {
    planRequest(route);
    planResponse(route);
  }
  const gateway: Gateway = {
    matcher: createRouteMatcher(options.routes),
    registry: routeTypeRegistry(options.routes),
    call: options.call,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    timeoutMs: options.requestTimeoutMs ?? 10_000,
    logger: options.logger,
    tracer: tracerFor("gateway"),
    recorders: new Map(
      options.routes.map((route) => [
        route,
        options.metrics?.route(route.pathTemplate) ?? NO_RECORDER,
      ]),
    ),
    unmatched: options.metrics?.route(UNMATCHED_ROUTE) ?? NO_RECORDER,
    authenticate: options.authenticate,
    rateLimit: options.rateLimits && createRateLimitGate(options.routes, options.rateLimits),
    idempotency: options.idempotency,
    cors: options.cors && createCors(options.cors),
  };
  const { tracer } = gateway;
  if (tracer === undefined) {
    return (req, res) => {
      serve(gateway, req, res, undefined).catch(() => res.destroy());
    };
  }
  const traceRequest = httpRequestTracer(tracer, { trustCaller: options.trustClientTrace ?? true });
  return (req, res) => {
    traceRequest(req, res, (span) => serve(gateway, req, res, span)).catch(() => res.destroy());
  };
}

async function serve(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  span: Span | undefined,
): Promise<void> {
  const started = performance.now();
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  res.setHeader("x-request-id", requestId);
  setSecurityHeaders(res);
  span?.setAttribute(attr.requestId, requestId);
  const method = req.method ?? "GET";
  const head = method === "HEAD";
  let recorder = gateway.unmatched;
  try {
    const cors = gateway.cors?.handle(req, res);
    if (cors === "answered") return;
    if (cors === "refused") throw corsOriginNotAllowed();
    const url = originForm(req.url ?? "/");
    const queryStart = url.indexOf("?");
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    const { route, params } = resolveRoute(gateway.matcher, method, rawPath, res);
    recorder = gateway.recorders.get(route) ?? recorder;
    if (span) nameHttpRoute(span, method, route.pathTemplate);
    const matched = { req, res, method, head, route, params, url, queryStart, requestId, span };
    await serveRoute(gateway, matched);
  } catch (err) {
    sendError(gateway, req, res, err, requestId);
  } finally {
    // 499 (nginx's "client closed request"): the client left before the answer.
    const status = res.writableEnded ? res.statusCode : 499;
    recorder.observe(method, status, (performance.now() - started) / 1000);
  }
}

async function serveRoute(gateway: Gateway, m: MatchedRequest): Promise<void> {
  const { req, res, route } = m;
  const ipKey = gateway.authenticate && gateway.rateLimit?.screen(req, res, route);
  const principal =
    gateway.authenticate && (await authenticate(gateway, gateway.authenticate, m, ipKey));
  // Answers for a principal are private, and non-GET answers (sign-in's
  // tokens among them) never reusable; GET caching is decided per route by
  // later layers.
  if (principal !== undefined || (m.method !== "GET" && !m.head)) {
    res.setHeader("cache-control", "no-store");
  }
  gateway.rateLimit?.spend(req, res, route, principal, ipKey);
  // Read before the body, so a malformed key is refused without reading it.
  const key = idempotencyKeyOf(gateway, m, principal);
  const body = await readJsonBody(req, gateway.maxBodyBytes);
  const query = m.queryStart < 0 ? NO_QUERY : new URLSearchParams(m.url.slice(m.queryStart + 1));
  const request = mapRequest(route, m.params, query, body, gateway.registry);
  if (key !== undefined) {
    const fingerprint = idempotencyFingerprint({
      method: m.method,
      pathTemplate: route.pathTemplate,
      params: m.params,
      query,
      body,
    });
    return serveKeyed(gateway, m, request, { ...key, fingerprint });
  }
  const result = await gateway.call(route, request, callContext(gateway, m, false));
  writeJson(res, 200, responseJson(route, result.message, gateway.registry), m.head);
}

/**
 * authenticate runs the authenticator, once the rate limit's screen has
 * let the request through (serveRoute): a client whose IP bucket is empty
 * is answered 429 before its credential costs a verification (for an API
 * key, an RPC to identity). A request it refuses still spends its client
 * IP's rate limit (`ipKey`, from the screen), so guessing tokens or API
 * keys is throttled like any other traffic (the 429 then replaces the
 * 401), and once that bucket is empty the guesses stop reaching identity.
 */
async function authenticate(
  gateway: Gateway,
  authenticator: GatewayAuthenticator,
  m: MatchedRequest,
  ipKey: string | undefined,
): Promise<EdgePrincipal | undefined> {
  try {
    return await authenticator(m.req, m.route, m.span, m.requestId);
  } catch (err) {
    gateway.rateLimit?.spend(m.req, m.res, m.route, undefined, ipKey);
    throw err;
  }
}

/**
 * idempotencyKeyOf returns the scope and key of a POST or PATCH request
 * sent with an `Idempotency-Key` by a principal. Anonymous requests
 * (sign-up, sign-in, refresh) ignore the header: their answers carry
 * credentials, which are never stored, and they have no account to scope
 * the key to.
 */
function idempotencyKeyOf(
  gateway: Gateway,
  m: MatchedRequest,
  principal: EdgePrincipal | undefined,
): { scope: string; key: string } | undefined {
  if (gateway.idempotency === undefined || principal === undefined) return undefined;
  if (m.method !== "POST" && m.method !== "PATCH") return undefined;
  const key = readIdempotencyKey(m.req);
  return key === undefined ? undefined : { scope: principalKey(principal), key };
}

/**
 * serveKeyed runs a request under its Idempotency-Key (runIdempotent) and
 * writes the first response or its replay, marked `Idempotent-Replayed`.
 * The RPC is not cancelled if the client disconnects: it runs to its
 * deadline, so the retry finds the saved answer instead of running twice.
 */
async function serveKeyed(
  gateway: Gateway,
  m: MatchedRequest,
  request: Message,
  key: { scope: string; key: string; fingerprint: string },
): Promise<void> {
  const { response, replayed } = await runIdempotent({
    store: gateway.idempotency!,
    ...key,
    span: m.span,
    execute: async () => {
      const { message } = await gateway.call(m.route, request, callContext(gateway, m, true));
      const sent = jsonResponse(200, responseJson(m.route, message, gateway.registry));
      // A secret shown once (a new API key) is never saved for replays.
      const keptMessage = withoutRedactedFields(m.route.method.output, message);
      const kept =
        keptMessage === message
          ? sent
          : jsonResponse(200, responseJson(m.route, keptMessage, gateway.registry));
      return { sent, kept };
    },
    renderError: (err) => {
      const { status, body } = renderFault(gateway, err, m.requestId);
      return jsonResponse(status, body);
    },
    storeFailed: (err) =>
      gateway.logger?.error(
        { err, request_id: m.requestId },
        "idempotency store failed; the key is released when its lock expires",
      ),
  });
  if (replayed) m.res.setHeader("idempotent-replayed", "true");
  const { res } = m;
  res.statusCode = response.status;
  res.setHeader("content-type", response.contentType);
  res.setHeader("content-length", Buffer.byteLength(response.body));
  res.end(response.body);
}

function jsonResponse(status: number, body: string): StoredResponse {
  return { status, contentType: "application/json", body };
}

function resolveRoute(matcher: RouteMatcher, method: string, rawPath: string, res: ServerResponse) {
  const found = matcher.match(method, rawPath);
  if ("notFound" in found) throw routeNotFound(method, rawPath);
  if ("methodNotAllowed" in found) {
    res.setHeader("allow", found.methodNotAllowed.join(", "));
    throw methodNotAllowed(method, found.methodNotAllowed);
  }
  // Deprecation (RFC 9745), Sunset (RFC 8594) and Link on every response of a
  // deprecated RPC, errors included; formatted by gateway/codegen.
  const deprecation = found.route.deprecationHeaders;
  if (deprecation !== undefined) {
    for (const [name, value] of deprecation) res.setHeader(name, value);
  }
  return found;
}

function callContext(gateway: Gateway, m: MatchedRequest, detached: boolean): GatewayCallContext {
  // A plain object: the platform's gRPC client copies it as it is, where a
  // `Headers` would validate both values again.
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: m.requestId };
  const authorization = m.req.headers.authorization;
  if (authorization !== undefined) headers["authorization"] = authorization;
  const signal = detached ? NEVER_ABORTED : disconnectSignal(m);
  return { headers, signal, timeoutMs: gateway.timeoutMs, span: m.span };
}

// Each HTTP/1.x connection's signal, aborted when it closes.
const connectionSignals = new WeakMap<object, AbortSignal>();

/**
 * disconnectSignal aborts when the client goes away before the answer, so
 * the RPC is cancelled. Over HTTP/1.x an unanswered response closes only
 * with its connection (res.destroy() destroys the socket too), so one
 * signal per connection, made on its first request, serves all of them:
 * an AbortController and a listener per request were ~3% of the gateway's
 * CPU (docs/gateway.md "What it costs"). A call that finished has removed
 * its abort listener, so a later close aborts nothing of it. Other
 * protocols (the HTTP/2 compat API) get one per request.
 */
function disconnectSignal({ req, res }: MatchedRequest): AbortSignal {
  const socket = req.httpVersionMajor === 1 ? req.socket : undefined;
  let signal = socket && connectionSignals.get(socket);
  if (signal !== undefined) return signal;
  const controller = new AbortController();
  if (socket === undefined) {
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
  } else {
    socket.once("close", () => controller.abort());
    // Pipelined requests each listen while their call runs: no leak warning.
    setMaxListeners(0, controller.signal);
    connectionSignals.set(socket, controller.signal);
  }
  signal = controller.signal;
  return signal;
}

function sendError(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  requestId: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const { status, body } = renderFault(gateway, err, requestId);
  // An oversized body may still be arriving: close rather than drain it.
  if (status === 413) res.setHeader("connection", "close");
  if (status === 401) res.setHeader("www-authenticate", bearerChallenge(req.headers.authorization));
  res.setHeader("cache-control", "no-store");
  writeJson(res, status, body, req.method === "HEAD");
}

// renderError, with server faults (5xx) logged: the cause stays in the
// logs; the client gets the masked envelope.
function renderFault(gateway: Gateway, err: unknown, requestId: string): ErrorResponse {
  const rendered = renderError(err, requestId);
  if (rendered.status >= 500) {
    gateway.logger?.error({ err, request_id: requestId }, "gateway request failed");
  }
  return rendered;
}
