import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocsHandler, DOCS_CONTENT_SECURITY_POLICY } from "./create-docs-handler.js";

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

let server: Server;
let port: number;

beforeAll(async () => {
  const docs = createDocsHandler({ title: "Acme <API>" });
  server = createServer((req, res) => {
    // The raw target, not URL-normalized, so traversal attempts reach the handler as sent.
    const pathname = (req.url ?? "/").split("?")[0]!;
    if (!docs(req, res, pathname)) res.writeHead(404, { "x-fallthrough": "1" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function send(path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function assetUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
}

describe("createDocsHandler", () => {
  it("serves the page with a strict CSP and security headers", async () => {
    const { status, headers, body } = await send("/docs");
    expect(status).toBe(200);
    expect(headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(headers["content-security-policy"]).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(DOCS_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["cache-control"]).toBe("no-cache");
    expect(body.toString()).toContain("<title>Acme &lt;API&gt;</title>");
    expect(body.toString()).toContain('data-openapi-url="/openapi.json"');
  });

  it("references only same-origin assets and no inline script", async () => {
    const html = (await send("/docs")).body.toString();
    for (const url of assetUrls(html)) {
      if (url === "/openapi.json") continue;
      expect(url).toMatch(/^\/docs\/assets\/[\w.-]+\?v=[\w-]+$/);
      expect((await send(url)).status).toBe(200);
    }
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("serves assets with content types, an ETag and an immutable cache policy", async () => {
    const js = await send("/docs/assets/swagger-ui-bundle.js");
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=86400, immutable");
    expect(js.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(js.body.toString()).toContain("SwaggerUIBundle");
    const png = await send("/docs/assets/favicon-32x32.png");
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves our init.js, which disables the external validator", async () => {
    const { status, body } = await send("/docs/assets/init.js");
    expect(status).toBe(200);
    expect(body.toString()).toContain("validatorUrl: null");
    expect(body.toString()).toBe(
      readFileSync(new URL("./assets/init.js", import.meta.url), "utf8"),
    );
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    const first = await send("/docs/assets/swagger-ui.css");
    const again = await send("/docs/assets/swagger-ui.css", {
      "if-none-match": `W/${first.headers.etag}`,
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers["cache-control"]).toBe("public, max-age=86400, immutable");
  });

  it("sends gzip to clients that accept it, as its own representation", async () => {
    const plain = await send("/docs/assets/swagger-ui-bundle.js");
    const zipped = await send("/docs/assets/swagger-ui-bundle.js", { "accept-encoding": "gzip" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    const refused = await send("/docs/assets/swagger-ui-bundle.js", {
      "accept-encoding": "gzip;q=0, br",
    });
    expect(refused.headers["content-encoding"]).toBeUndefined();
  });

  it("answers HEAD with the headers only", async () => {
    const { status, headers, body } = await send("/docs/assets/swagger-ui.css", {}, "HEAD");
    expect(status).toBe(200);
    expect(Number(headers["content-length"])).toBeGreaterThan(1000);
    expect(body.length).toBe(0);
  });

  it("refuses other methods with 405, Allow and the error envelope", async () => {
    const { status, headers, body } = await send("/docs", {}, "POST");
    expect(status).toBe(405);
    expect(headers.allow).toBe("GET, HEAD");
    expect(JSON.parse(body.toString()).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("redirects /docs/ to /docs", async () => {
    const { status, headers } = await send("/docs/");
    expect(status).toBe(308);
    expect(headers.location).toBe("/docs");
  });

  it.each([
    "/docs/assets/",
    "/docs/assets/index.html",
    "/docs/assets/swagger-ui.js.map",
    "/docs/assets/swagger-ui-standalone-preset.js",
    "/docs/assets/../../package.json",
    "/docs/assets/%2e%2e/%2e%2e/package.json",
    "/docs/assets/..%2fpackage.json",
    "/docs/assets/init.js/",
    "/docs/assets//init.js",
    "/docs/assets/__proto__",
    "/docsx",
    "/",
  ])("leaves %s to the caller: not an allow-listed asset", async (path) => {
    const { status, headers } = await send(path);
    expect(status).toBe(404);
    expect(headers["x-fallthrough"]).toBe("1");
  });

  it("refuses an OpenAPI URL the page's CSP would block", () => {
    expect(() => createDocsHandler({ openapiUrl: "https://example.com/openapi.json" })).toThrow(
      /same-origin path/,
    );
    expect(() => createDocsHandler({ openapiUrl: "//example.com/openapi.json" })).toThrow();
  });
});
