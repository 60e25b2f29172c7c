import type { IncomingHttpHeaders } from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
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
 */
export function createLeanHandlerContext(
  method: DescMethod,
  rawHeaders: IncomingHttpHeaders,
  values: ContextValues,
  deadlineAt: number | undefined,
): LeanHandlerContext {
  return new LeanContext(method, rawHeaders, values, deadlineAt);
}

// A class rather than an object literal on purpose: its getters and methods
// live on the prototype, so a call allocates one object instead of one plus
// ten closures (the fast path's garbage is most of its GC time, bench/).
class LeanContext implements LeanHandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  #controller: AbortController | undefined;
  #aborted = false;
  #abortReason: unknown;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;

  constructor(
    readonly method: DescMethod,
    private readonly rawHeaders: IncomingHttpHeaders,
    readonly values: ContextValues,
    private readonly deadlineAt: number | undefined,
  ) {}

  get service(): DescService {
    return this.method.parent;
  }

  get url(): string {
    return `https://${this.rawHeaders[":authority"] ?? "localhost"}${this.rawHeaders[":path"] ?? ""}`;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  timeoutMs = (): number | undefined =>
    this.deadlineAt === undefined ? undefined : this.deadlineAt - Date.now();

  get requestHeader(): Headers {
    this.#requestHeader ??= headersFromRaw(this.rawHeaders);
    return this.#requestHeader;
  }

  get responseHeader(): Headers {
    this.#responseHeader ??= new Headers();
    return this.#responseHeader;
  }

  get responseTrailer(): Headers {
    this.#responseTrailer ??= new Headers();
    return this.#responseTrailer;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  responseHeaderIfSet(): Headers | undefined {
    return this.#responseHeader;
  }

  responseTrailerIfSet(): Headers | undefined {
    return this.#responseTrailer;
  }

  header(name: string): string | undefined {
    const value = this.rawHeaders[name];
    return Array.isArray(value) ? value[0] : value;
  }
}

/**
 * requestHeaderOf reads one request header (lowercase name) on either path:
 * the fast path's raw HTTP/2 headers without building a Headers object, or
 * Connect's Headers.
 */
export function requestHeaderOf(ctx: HandlerContext, name: string): string | undefined {
  if (ctx instanceof LeanContext) return ctx.header(name);
  return ctx.requestHeader.get(name) ?? undefined;
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
