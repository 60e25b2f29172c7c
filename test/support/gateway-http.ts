import { readFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { createOpenApiValidator, type OpenApiValidator } from "./openapi-validator.js";

const OPENAPI_FILE = new URL("../../gen/openapi.json", import.meta.url);

/** GatewayResponse is one HTTP exchange as the test client saw it. */
export interface GatewayResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary bodies; their shape is checked against gen/openapi.json.
  readonly body: any;
}

/** SendOptions shape one request. */
export interface SendOptions {
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as is (no content type unless given in headers). */
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** The client's address (any of 127.0.0.0/8 on loopback): another client IP. */
  readonly localAddress?: string;
}

/** GatewayClient speaks raw HTTP/1.1 to a gateway and checks every answer against the OpenAPI document. */
export interface GatewayClient {
  send(method: string, path: string, options?: SendOptions): Promise<GatewayResponse>;
}

/**
 * createGatewayClient sends requests with node:http, byte for byte (no URL
 * normalization, so odd paths reach the gateway as written), one
 * connection per request. Every response with a body is validated against
 * gen/openapi.json: one that does not conform rejects, failing the test.
 * The document itself, served at /openapi.json, must be gen/openapi.json
 * byte for byte; the /docs page's successful responses are not API
 * responses and are left to its own tests.
 */
export function createGatewayClient(
  port: number,
  validator: OpenApiValidator = createOpenApiValidator(),
): GatewayClient {
  return {
    async send(method, path, options = {}) {
      const res = await exchange(port, method, path, options);
      const pathname = path.split("?")[0]!;
      if (res.status === 200 && pathname === "/openapi.json") {
        if (res.text !== readFileSync(OPENAPI_FILE, "utf8")) {
          throw new Error("/openapi.json differs from gen/openapi.json");
        }
      } else if (isDocsPage(pathname) && res.status < 400) {
        // The API reference page and its assets are HTML, CSS and JS, not API responses.
      } else if (method !== "HEAD" && res.status !== 304) {
        validator.assertConforms(method, path, {
          status: res.status,
          contentType: (res.headers["content-type"] as string | undefined) ?? null,
          body: res.text,
        });
      }
      return res;
    },
  };
}

function isDocsPage(pathname: string): boolean {
  return pathname === "/docs" || pathname.startsWith("/docs/");
}

function exchange(
  port: number,
  method: string,
  path: string,
  options: SendOptions,
): Promise<GatewayResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method,
      path,
      headers,
      agent: false,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown;
        try {
          parsed = text === "" ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    // The gateway may answer (413) and close before the body is written:
    // the response, already on its way, is what counts.
    req.on("error", (err) => setTimeout(() => reject(err), 200));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
