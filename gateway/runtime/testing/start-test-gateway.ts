import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createGatewayHandler,
  type GatewayCall,
  type GatewayHandlerOptions,
} from "../create-gateway-handler.js";
import { allLibraryRoutes } from "./library-routes.js";
import { createLibraryUpstream, type RecordedCall } from "./library-upstream.js";

/** TestResponse is what a raw HTTP client saw. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** SendOptions shape one raw request. */
export interface SendOptions {
  readonly headers?: Record<string, string>;
  /** Sent as is, with Content-Length unless `chunked`. */
  readonly body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  readonly chunked?: boolean;
}

/** TestGateway is a gateway on a real socket in front of the fake library upstream. */
export interface TestGateway {
  /** The port on 127.0.0.1. */
  readonly port: number;
  readonly calls: RecordedCall[];
  /** send issues one request with the path sent byte for byte (no URL normalization). */
  send(method: string, path: string, options?: SendOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/**
 * startTestGateway serves createGatewayHandler over node:http on
 * 127.0.0.1:0 with the gwtest library routes and an in-process upstream.
 */
export async function startTestGateway(
  options: Partial<Omit<GatewayHandlerOptions, "call">> & { call?: GatewayCall } = {},
): Promise<TestGateway> {
  const upstream = createLibraryUpstream();
  const handler = createGatewayHandler({
    routes: allLibraryRoutes,
    ...options,
    call: options.call ?? upstream.call,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    calls: upstream.calls,
    send: (method, path, sendOptions) => send(port, method, path, sendOptions),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(
  port: number,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined && !options.chunked) {
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    // The server may answer (413) and close before we finish writing: the
    // response, already on its way, is what counts.
    req.on("error", (err) => setTimeout(() => reject(err), 200));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
