import type { IncomingMessage, ServerResponse } from "node:http";

/** CorsOptions is the gateway's CORS configuration, read once at startup. */
export interface CorsOptions {
  /**
   * Exact origins allowed (`https://app.example.com`, scheme, host and
   * port as browsers send them), or `*` for any origin. Empty: the gateway
   * sends no CORS headers at all, and browsers keep to the same origin.
   */
  readonly origins: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth, client certs). */
  readonly allowCredentials: boolean;
  /** How long browsers may cache a preflight answer, in seconds. */
  readonly maxAgeS: number;
}

/** CorsDecision is what the allow-list says about one request's `Origin`. */
export type CorsDecision =
  /** Not a cross-origin request as far as CORS goes, or CORS is off. */
  | { readonly kind: "none" }
  | { readonly kind: "allowed"; readonly allowOrigin: string }
  | { readonly kind: "refused" };

/** Cors applies the allow-list to requests; built once by {@link createCors}. */
export interface Cors {
  /** decide classifies an `Origin` header value. */
  decide(origin: string | undefined): CorsDecision;
  /**
   * handle adds the CORS headers a response needs and answers an allowed
   * preflight itself (204). It returns what is left to do: `continue`
   * serving the request, nothing (`answered`), or refuse a preflight from
   * an origin not on the list (`refused`: the caller answers 403 in its
   * error envelope).
   */
  handle(req: IncomingMessage, res: ServerResponse): CorsOutcome;
}

/** CorsOutcome is what {@link Cors.handle} leaves to the caller. */
export type CorsOutcome = "continue" | "answered" | "refused";

/** ALLOWED_METHODS are the methods the route table may bind (google.api.http). */
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";

/** ALLOWED_HEADERS are the request headers the gateway reads or forwards. */
const ALLOWED_HEADERS =
  "authorization, content-type, idempotency-key, x-request-id, traceparent, tracestate";

/**
 * EXPOSED_HEADERS are the response headers a browser script may read: the
 * ones the gateway documents for clients (request id, rate limits, replays,
 * deprecation with its `Link` to the migration guide, and `Allow` on a 405).
 * Without this list only the CORS-safelisted ones are visible.
 */
const EXPOSED_HEADERS =
  "x-request-id, ratelimit, ratelimit-policy, retry-after, idempotent-replayed, deprecation, sunset, link, allow";

const NONE: CorsDecision = { kind: "none" };
const REFUSED: CorsDecision = { kind: "refused" };

/**
 * createCors builds the CORS policy of the Fetch standard
 * (https://fetch.spec.whatwg.org/#http-cors-protocol) for an allow-list of
 * exact origins. It refuses `*` together with credentials: browsers reject
 * that pair, and reflecting any origin instead would hand every site the
 * user's credentials. Requests other than preflights from a refused origin
 * are served without CORS headers, so the browser withholds the answer from
 * the page.
 */
export function createCors(options: CorsOptions): Cors {
  const any = options.origins.includes("*");
  if (any && options.allowCredentials) {
    throw new Error("CORS: `*` cannot be combined with credentials; list the origins");
  }
  const enabled = options.origins.length > 0;
  const decisions = new Map<string, CorsDecision>(
    options.origins.map((o) => [o, { kind: "allowed", allowOrigin: any ? "*" : o }]),
  );
  const anyOrigin: CorsDecision = { kind: "allowed", allowOrigin: "*" };
  const decide = (origin: string | undefined): CorsDecision => {
    if (origin === undefined || !enabled) return NONE;
    return decisions.get(origin) ?? (any ? anyOrigin : REFUSED);
  };
  const preflightHeaders = preflightHeadersOf(options);
  const handle = (req: IncomingMessage, res: ServerResponse): CorsOutcome => {
    if (!enabled) return "continue";
    // Every answer depends on Origin (allowed, refused or absent), so
    // caches must key on it, even with `*`: an answer without the header
    // must not be served to a cross-origin request.
    res.setHeader("vary", "Origin");
    const decision = decide(req.headers.origin);
    if (decision.kind === "none") return "continue";
    const preflight = isPreflight(req);
    if (decision.kind === "refused") return preflight ? "refused" : "continue";
    res.setHeader("access-control-allow-origin", decision.allowOrigin);
    if (options.allowCredentials) res.setHeader("access-control-allow-credentials", "true");
    if (!preflight) {
      res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
      return "continue";
    }
    for (const [name, value] of preflightHeaders) res.setHeader(name, value);
    res.statusCode = 204;
    res.end();
    return "answered";
  };
  return { decide, handle };
}

// A preflight is an OPTIONS request that names the method it asks for.
function isPreflight(req: IncomingMessage): boolean {
  return req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
}

function preflightHeadersOf(options: CorsOptions): readonly (readonly [string, string])[] {
  return [
    ["access-control-allow-methods", ALLOWED_METHODS],
    ["access-control-allow-headers", ALLOWED_HEADERS],
    // Chromium caps this at 2 h, Firefox at 24 h.
    ["access-control-max-age", String(options.maxAgeS)],
    ["content-length", "0"],
  ];
}
