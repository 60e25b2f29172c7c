import type { IncomingMessage, ServerResponse } from "node:http";
import { REQUEST_ID_HEADER, requestIdFrom } from "../../platform/rpc/request-id.js";
import { renderError } from "../runtime/error-envelope.js";
import { methodNotAllowed } from "../runtime/gateway-errors.js";
import { writeJson } from "../runtime/response-writer.js";
import { acceptsGzip, etagMatches } from "./http-negotiation.js";
import { createDocsAsset, type DocsAsset, loadDocsAssets } from "./load-docs-assets.js";
import { renderDocsPage } from "./render-docs-page.js";

/** DocsHandlerOptions configures createDocsHandler. */
export interface DocsHandlerOptions {
  /** The OpenAPI document the page renders: a same-origin path. Default `/openapi.json`. */
  readonly openapiUrl?: string;
  /** The page's title. Default `protoplane API`. */
  readonly title?: string;
}

/**
 * DocsHandler serves the request when it is for the docs page or one of its
 * assets, and returns true; otherwise it writes nothing and returns false,
 * so the caller goes on (e.g. to its routes and their 404). `pathname` is
 * the request target's path without the query.
 */
export type DocsHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;

/** DOCS_PATH is where the API reference page is served. */
export const DOCS_PATH = "/docs";
const ASSETS_PATH = `${DOCS_PATH}/assets/`;

/**
 * DOCS_CONTENT_SECURITY_POLICY admits only same-origin scripts, styles,
 * images and fetches: no inline or eval'd script, no other origin, no
 * framing. Swagger UI's stylesheet draws its icons as `data:` images.
 * Styles allow `'unsafe-inline'` because Swagger UI is known to need it in
 * some setups (its standalone preset injects a `<style>` element; we do not
 * load that preset). With our BaseLayout page, Chromium reported no inline
 * style in any state we exercised (list, expanded operations, try-it-out,
 * schemas), so `style-src 'self'` is a candidate tightening;
 * test/gateway/docs-page.test.ts fails on any violation either way.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": DOCS_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // frame-ancestors' predecessor, for browsers that ignore CSP.
  "x-frame-options": "DENY",
} as const;

// The page is revalidated on every visit (a cheap 304) so a deploy shows at
// once; assets are fingerprinted by the page (`?v=`), so they never change.
const PAGE_CACHE = "no-cache";
const ASSET_CACHE = "public, max-age=86400, immutable";
const ALLOWED_METHODS = ["GET", "HEAD"];

interface Served {
  readonly asset: DocsAsset;
  readonly cacheControl: string;
}

/**
 * createDocsHandler builds the handler for the API reference page at
 * `/docs` (Swagger UI) and its assets at `/docs/assets/<file>`. The assets
 * are an allow-list of files from the swagger-ui-dist package plus our
 * init.js, read and compressed once here: a request can only select one of
 * them by exact name, so no path reaches the file system. Every response
 * carries a strict CSP; the page loads nothing from another origin, so it
 * works offline. `/docs/` redirects to `/docs`; methods other than GET and
 * HEAD get 405 in the gateway's error envelope.
 */
export function createDocsHandler(options: DocsHandlerOptions = {}): DocsHandler {
  const openapiUrl = sameOriginPath(options.openapiUrl ?? "/openapi.json");
  const assets = loadDocsAssets();
  const html = renderDocsPage({
    title: options.title ?? "protoplane API",
    openapiUrl,
    assetsPath: ASSETS_PATH,
    assets,
  });
  const page = createDocsAsset(Buffer.from(html), "text/html; charset=utf-8");
  const resolve = (pathname: string): Served | undefined => {
    if (pathname === DOCS_PATH) return { asset: page, cacheControl: PAGE_CACHE };
    if (!pathname.startsWith(ASSETS_PATH)) return undefined;
    const asset = assets.get(pathname.slice(ASSETS_PATH.length));
    return asset && { asset, cacheControl: ASSET_CACHE };
  };
  return (req, res, pathname) => {
    if (pathname === `${DOCS_PATH}/`) {
      redirectToPage(res);
      return true;
    }
    const served = resolve(pathname);
    if (served === undefined) return false;
    if (ALLOWED_METHODS.includes(req.method ?? "GET")) serveAsset(req, res, served);
    else refuseMethod(req, res);
    return true;
  };
}

function serveAsset(req: IncomingMessage, res: ServerResponse, served: Served): void {
  const { asset, cacheControl } = served;
  const gzip = acceptsGzip(req.headers["accept-encoding"]) ? asset.gzip : undefined;
  const { body, etag } = gzip ?? asset.identity;
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    "cache-control": cacheControl,
    etag,
  };
  if (asset.gzip !== undefined) headers.vary = "Accept-Encoding";
  if (etagMatches(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  headers["content-type"] = asset.contentType;
  headers["content-length"] = body.length;
  if (gzip !== undefined) headers["content-encoding"] = "gzip";
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

// `/docs/` is a common spelling of the page; 308 keeps the method (RFC 9110 §15.4.9).
function redirectToPage(res: ServerResponse): void {
  res.writeHead(308, { ...SECURITY_HEADERS, location: DOCS_PATH, "content-length": 0 }).end();
}

// 405 in the gateway's one error envelope, like its routes' (gateway/runtime).
function refuseMethod(req: IncomingMessage, res: ServerResponse): void {
  const existing = res.getHeader(REQUEST_ID_HEADER);
  const requestId =
    typeof existing === "string" ? existing : requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  const method = req.method ?? "";
  const { status, body } = renderError(methodNotAllowed(method, ALLOWED_METHODS), requestId);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  res.setHeader("allow", ALLOWED_METHODS.join(", "));
  res.setHeader("cache-control", "no-store");
  writeJson(res, status, body, false);
}

// The page's CSP (`connect-src 'self'`) would block any other origin, so
// refuse one at startup rather than serve a page that cannot load.
function sameOriginPath(url: string): string {
  if (!url.startsWith("/") || url.startsWith("//")) {
    throw new Error(
      `docs: openapiUrl must be a same-origin path such as /openapi.json, got ${url}`,
    );
  }
  return url;
}
