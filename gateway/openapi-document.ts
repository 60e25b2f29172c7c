import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestIdFrom } from "../platform/rpc/request-id.js";
import { methodNotAllowed } from "./runtime/gateway-errors.js";
import { renderError } from "./runtime/index.js";
import { writeJson } from "./runtime/response-writer.js";

/** OPENAPI_PATH is where the gateway serves its OpenAPI document. */
export const OPENAPI_PATH = "/openapi.json";

/** The generated document, next to the route table it describes. */
export const OPENAPI_FILE = new URL("../gen/openapi.json", import.meta.url);

/** StaticResponder serves one request for a fixed resource. */
export type StaticResponder = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * createOpenApiResponder reads gen/openapi.json once and serves it at
 * `/openapi.json`: `application/json`, a strong ETag (the document's
 * SHA-256) so clients and generators revalidate with `If-None-Match` and
 * get a 304, and five minutes of public caching — the document only
 * changes with a deploy. GET and HEAD only; anything else is the 405
 * envelope.
 */
export async function createOpenApiResponder(
  file: URL | string = OPENAPI_FILE,
): Promise<StaticResponder> {
  const body = await readFile(file);
  JSON.parse(body.toString("utf8")); // A corrupt document fails startup, not a client.
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
  return (req, res) => {
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    res.setHeader("x-request-id", requestId);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      const { status, body: error } = renderError(
        methodNotAllowed(req.method ?? "", ["GET", "HEAD"]),
        requestId,
      );
      res.setHeader("cache-control", "no-store");
      return writeJson(res, status, error, false);
    }
    res.setHeader("etag", etag);
    res.setHeader("cache-control", "public, max-age=300");
    if (matchesEtag(req.headers["if-none-match"], etag)) {
      res.statusCode = 304;
      return void res.end();
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  };
}

// RFC 9110 §13.1.2: a list of entity tags, or "*"; weak comparison.
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}
