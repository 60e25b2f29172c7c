import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { type Span, SpanKind, type Tracer } from "@opentelemetry/api";
import { traceContextFrom } from "../rpc/trace-context.js";
import { endSpan } from "./end-span.js";
import { attr } from "./semconv.js";
import { childSpanStarter } from "./start-child-span.js";
import { remoteSpanContext } from "./traceparent.js";

/** TraceHttpRequest runs one request's `serve` in its SERVER span (see traceHttpRequest). */
export type TraceHttpRequest = <T>(
  req: IncomingMessage,
  res: ServerResponse,
  serve: (span: Span) => Promise<T>,
) => Promise<T>;

/** HttpRequestTracerOptions are how a server treats its clients' trace context. */
export interface HttpRequestTracerOptions {
  /**
   * Whether a client's `traceparent` parents the request's span, its
   * sampled flag followed (default true). A public edge may refuse that:
   * any client could otherwise force every request it sends to be traced
   * through every service, or pick its trace ids. When false, each request
   * starts a trace of its own (sampled by the process's ratio) with a link
   * to the client's span, as OpenTelemetry advises for public endpoints.
   */
  readonly trustCaller?: boolean;
}

/**
 * httpRequestTracer is {@link traceHttpRequest} bound to `tracer` once, when
 * the server is built.
 */
export function httpRequestTracer(
  tracer: Tracer,
  options: HttpRequestTracerOptions = {},
): TraceHttpRequest {
  const startChild = childSpanStarter(tracer);
  const trustCaller = options.trustCaller ?? true;
  return (req, res, serve) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const caller = traceContextFrom(req.headers.traceparent, req.headers.tracestate);
    const attributes = {
      [attr.httpRequestMethod]: method,
      [attr.urlPath]: query < 0 ? url : url.slice(0, query),
      [attr.urlScheme]: (req.socket as TLSSocket).encrypted ? "https" : "http",
    };
    const remote = caller === undefined ? undefined : remoteSpanContext(caller);
    const span =
      trustCaller || remote === undefined
        ? startChild(method, SpanKind.SERVER, attributes, remote)
        : tracer.startSpan(method, {
            kind: SpanKind.SERVER,
            attributes,
            root: true,
            links: [{ context: remote }],
          });
    res.once("close", () => {
      span.setAttribute(attr.httpResponseStatusCode, res.statusCode);
      endSpan(span, res.statusCode >= 500 ? String(res.statusCode) : undefined);
    });
    return serve(span);
  };
}

/**
 * traceHttpRequest runs `serve` in a SERVER span for one HTTP request,
 * child of the client's `traceparent` if it sent a valid one. The span is
 * handed to `serve`, not made active: what `serve` does under it takes it
 * as its parent explicitly, so a process serving HTTP this way needs no
 * context manager (the gateway's TracingOptions.asyncContext). The span is
 * named by the method until `serve` names the route (nameHttpRoute), and
 * ends when the response does, with its status; 5xx marks it failed.
 * `url.path` is recorded, never the query string, which may carry personal
 * data. Servers built once should take {@link httpRequestTracer}.
 */
export function traceHttpRequest<T>(
  tracer: Tracer,
  req: IncomingMessage,
  res: ServerResponse,
  serve: (span: Span) => Promise<T>,
): Promise<T> {
  return httpRequestTracer(tracer)(req, res, serve);
}

/** nameHttpRoute names a request's span by its route template: "POST /v1/users/{user_id}/orders". */
export function nameHttpRoute(span: Span, method: string, route: string): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute(attr.httpRoute, route);
}
