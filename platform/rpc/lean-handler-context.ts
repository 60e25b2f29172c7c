import type { IncomingHttpHeaders } from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import type { ContextValues, HandlerContext } from "@connectrpc/connect";

/** LeanHandlerContext is a HandlerContext the fast path can abort and inspect. */
export interface LeanHandlerContext extends HandlerContext {
  /** Aborts `signal` (if anyone asked for it) with the given reason. */
  abort(reason: unknown): void;
  /** Response headers set by the handler, or undefined if it set none. */
  responseHeaderIfSet(): Headers | undefined;
  /** Response trailers set by the handler, or undefined if it set none. */
  responseTrailerIfSet(): Headers | undefined;
}

/**
 * createLeanHandlerContext implements Connect's HandlerContext for the fast
 * gRPC path. Connect's own `createHandlerContext` allocates an
 * AbortController, linked signals and three Headers objects per call; most
 * handlers touch none of them, so here each is created on first access.
 * That is most of the per-call garbage the DESIGN's measurements blame.
 */
export function createLeanHandlerContext(
  method: DescMethod,
  rawHeaders: IncomingHttpHeaders,
  values: ContextValues,
  deadlineAt: number | undefined,
): LeanHandlerContext {
  let controller: AbortController | undefined;
  let abortReason: unknown;
  let aborted = false;
  let requestHeader: Headers | undefined;
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  return {
    method,
    service: method.parent,
    protocolName: "grpc",
    requestMethod: "POST",
    values,
    get url() {
      return `https://${rawHeaders[":authority"] ?? "localhost"}${rawHeaders[":path"] ?? ""}`;
    },
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (aborted) controller.abort(abortReason);
      }
      return controller.signal;
    },
    timeoutMs: () => (deadlineAt === undefined ? undefined : deadlineAt - Date.now()),
    get requestHeader() {
      requestHeader ??= headersFromRaw(rawHeaders);
      return requestHeader;
    },
    get responseHeader() {
      responseHeader ??= new Headers();
      return responseHeader;
    },
    get responseTrailer() {
      responseTrailer ??= new Headers();
      return responseTrailer;
    },
    abort(reason) {
      if (aborted) return;
      aborted = true;
      abortReason = reason;
      controller?.abort(reason);
    },
    responseHeaderIfSet: () => responseHeader,
    responseTrailerIfSet: () => responseTrailer,
  };
}

/** headersFromRaw copies HTTP/2 headers into a Fetch Headers, minus pseudo-headers. */
export function headersFromRaw(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}
