import type { IncomingMessage, ServerResponse } from "node:http";
import type { Message } from "@bufbuild/protobuf";
import type { Span, Tracer } from "@opentelemetry/api";
import {
  type HttpMetrics,
  type RouteRecorder,
  UNMATCHED_ROUTE,
} from "../../platform/metrics/http-metrics.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../../platform/rpc/request-id.js";
import { attr } from "../../platform/tracing/semconv.js";
import { nameHttpRoute, traceHttpRequest } from "../../platform/tracing/trace-http-request.js";
import { injectTraceparent } from "../../platform/tracing/traceparent.js";
import { tracerFor } from "../../platform/tracing/tracer-for.js";
import { renderError } from "./error-envelope.js";
import { methodNotAllowed, routeNotFound } from "./gateway-errors.js";
import { readJsonBody } from "./read-json-body.js";
import { mapRequest } from "./request-mapper.js";
import { planRequest } from "./request-plan.js";
import { planResponse, responseJson, writeJson } from "./response-writer.js";
import { createRouteMatcher, type RouteMatcher } from "./route-matcher.js";
import type { RouteSpec } from "./route-spec.js";

/** GatewayCallContext is what the gateway hands the upstream call besides the request. */
export interface GatewayCallContext {
  /**
   * Request metadata for the RPC: `x-request-id`, the client's
   * `authorization` if sent, and `traceparent` (the request's span) when tracing.
   */
  readonly headers: Headers;
  /** Aborted when the HTTP client goes away; the call should cancel the RPC. */
  readonly signal: AbortSignal;
  /** The RPC deadline; the call enforces it and propagates it downstream. */
  readonly timeoutMs: number;
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
}

/** A Node `request` listener, for `http.createServer` or `http2.createSecureServer` (compat API). */
export type GatewayRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface Gateway {
  readonly matcher: RouteMatcher;
  readonly call: GatewayCall;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly logger: GatewayLogger | undefined;
  /** Set when the process traces: each request is then a SERVER span. */
  readonly tracer: Tracer | undefined;
  /** Each route's recorder, built at startup; `unmatched` for 404 and 405. */
  readonly recorders: ReadonlyMap<RouteSpec, RouteRecorder>;
  readonly unmatched: RouteRecorder;
}

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
 * else a new one), and is counted and timed once, when it ends (`metrics`).
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
  };
  const { tracer } = gateway;
  if (tracer === undefined) {
    return (req, res) => {
      serve(gateway, req, res, undefined).catch(() => res.destroy());
    };
  }
  return (req, res) => {
    traceHttpRequest(tracer, req, res, (span) => serve(gateway, req, res, span)).catch(() =>
      res.destroy(),
    );
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
  span?.setAttribute(attr.requestId, requestId);
  const method = req.method ?? "GET";
  const head = method === "HEAD";
  let recorder = gateway.unmatched;
  try {
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    const { route, params } = resolveRoute(gateway.matcher, method, rawPath, res);
    recorder = gateway.recorders.get(route) ?? recorder;
    if (span) nameHttpRoute(span, method, route.pathTemplate);
    const body = await readJsonBody(req, gateway.maxBodyBytes);
    const query = new URLSearchParams(queryStart < 0 ? "" : url.slice(queryStart + 1));
    const request = mapRequest(route, params, query, body);
    const result = await gateway.call(
      route,
      request,
      callContext(gateway, req, res, requestId, span),
    );
    // Non-GET responses are never reusable; GET caching is decided per route by later layers.
    if (method !== "GET" && !head) res.setHeader("cache-control", "no-store");
    writeJson(res, 200, responseJson(route, result.message), head);
  } catch (err) {
    sendError(gateway, res, err, requestId, head);
  } finally {
    // 499 (nginx's "client closed request"): the client left before the answer.
    const status = res.writableEnded ? res.statusCode : 499;
    recorder.observe(method, status, (performance.now() - started) / 1000);
  }
}

function resolveRoute(matcher: RouteMatcher, method: string, rawPath: string, res: ServerResponse) {
  const found = matcher.match(method, rawPath);
  if ("notFound" in found) throw routeNotFound(method, rawPath);
  if ("methodNotAllowed" in found) {
    res.setHeader("allow", found.methodNotAllowed.join(", "));
    throw methodNotAllowed(method, found.methodNotAllowed);
  }
  // RFC 9745-style signal on every response of a deprecated RPC, errors included.
  // The route table knows no sunset date yet, so no Sunset header (RFC 8594).
  if (found.route.deprecated) res.setHeader("deprecation", "true");
  return found;
}

function callContext(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  span: Span | undefined,
): GatewayCallContext {
  const headers = new Headers({ [REQUEST_ID_HEADER]: requestId });
  const authorization = req.headers.authorization;
  if (authorization !== undefined) headers.set("authorization", authorization);
  // The upstream's server span hangs under this request's span.
  if (span) injectTraceparent(headers, span);
  // The RPC is cancelled if the client disconnects before we answer.
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return { headers, signal: controller.signal, timeoutMs: gateway.timeoutMs };
}

function sendError(
  gateway: Gateway,
  res: ServerResponse,
  err: unknown,
  requestId: string,
  head: boolean,
): void {
  if (res.headersSent || res.destroyed) return;
  const { status, body } = renderError(err, requestId);
  if (status >= 500) {
    // The cause stays in the logs; the client got the masked envelope.
    gateway.logger?.error({ err, request_id: requestId }, "gateway request failed");
  }
  // An oversized body may still be arriving: close rather than drain it.
  if (status === 413) res.setHeader("connection", "close");
  res.setHeader("cache-control", "no-store");
  writeJson(res, status, body, head);
}
