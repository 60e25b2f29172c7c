import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { context, type Span, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { endSpan } from "./end-span.js";
import { attr } from "./semconv.js";
import { contextFromTraceparent } from "./traceparent.js";

/**
 * traceHttpRequest runs `serve` in a SERVER span for one HTTP request,
 * child of the client's `traceparent` if it sent one. The span is named by
 * the method until `serve` names the route (nameHttpRoute), and ends when
 * the response does, with its status; 5xx marks it failed. `url.path` is
 * recorded, never the query string, which may carry personal data.
 */
export function traceHttpRequest<T>(
  tracer: Tracer,
  req: IncomingMessage,
  res: ServerResponse,
  serve: (span: Span) => Promise<T>,
): Promise<T> {
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const header = req.headers.traceparent;
  const parent = contextFromTraceparent(typeof header === "string" ? header : undefined);
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [attr.httpRequestMethod]: method,
        [attr.urlPath]: query < 0 ? url : url.slice(0, query),
        [attr.urlScheme]: (req.socket as TLSSocket).encrypted ? "https" : "http",
      },
    },
    parent,
  );
  res.once("close", () => {
    span.setAttribute(attr.httpResponseStatusCode, res.statusCode);
    endSpan(span, res.statusCode >= 500 ? String(res.statusCode) : undefined);
  });
  return context.with(trace.setSpan(parent, span), serve, undefined, span);
}

/** nameHttpRoute names a request's span by its route template: "POST /v1/users/{user_id}/orders". */
export function nameHttpRoute(span: Span, method: string, route: string): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute(attr.httpRoute, route);
}
