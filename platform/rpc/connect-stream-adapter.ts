import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { ContextValues } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { capTimeoutHeader } from "./cap-timeout-header.js";
import { headersToObject } from "./grpc-status-headers.js";
import { headersFromRaw } from "./lean-handler-context.js";

/**
 * serveConnect runs one of Connect's universal handlers (Connect, gRPC-Web,
 * and gRPC for client/bidi streaming) on a raw HTTP/2 stream. It is what
 * connect-node's adapter does for Node's compat request/response, minus the
 * compat layer: the server never creates those objects, so the fast gRPC
 * path pays nothing for this one existing.
 */
export async function serveConnect(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  handler: UniversalHandler,
  values: ContextValues,
  timeoutCapMs: number | undefined,
): Promise<void> {
  const abort = new AbortController();
  stream.once("close", () => abort.abort());
  const header = headersFromRaw(headers);
  capTimeoutHeader(header, timeoutCapMs);
  try {
    const response = await handler({
      httpVersion: "2.0",
      method: String(headers[constants.HTTP2_HEADER_METHOD]),
      url: `https://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
      header,
      // Connect stops reading early on an oversized message; a plain async
      // iterator would then destroy (RST) the stream before our error is sent.
      body: stream.iterator({ destroyOnReturn: false }),
      signal: abort.signal,
      contextValues: values,
    });
    await writeResponse(stream, response);
  } catch {
    // Handlers turn errors into protocol responses; reaching here means the
    // stream broke mid-way. Reset it so the client sees the failure.
    if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}

async function writeResponse(
  stream: ServerHttp2Stream,
  response: UniversalServerResponse,
): Promise<void> {
  if (stream.destroyed) return;
  const head = headersToObject(response.header, {
    [constants.HTTP2_HEADER_STATUS]: response.status,
  });
  // Connect fills `trailer` while the body is read, so ask for the trailer
  // callback whenever the handler gave us a trailer object.
  const withTrailers = response.trailer !== undefined;
  stream.respond(head, {
    waitForTrailers: withTrailers,
    endStream: response.body === undefined && !withTrailers,
  });
  if (withTrailers) {
    stream.once("wantTrailers", () => stream.sendTrailers(headersToObject(response.trailer)));
  }
  if (response.body !== undefined) {
    for await (const chunk of response.body) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) {
        await new Promise((resolve) => stream.once("drain", resolve).once("close", resolve));
      }
    }
  }
  if (stream.destroyed) return;
  // The handler may answer before reading the whole request (an oversized
  // message, say). Discard the rest instead of resetting the stream, so the
  // client reads our error rather than a cancellation.
  if (!stream.readableEnded) stream.resume();
  if (response.body !== undefined || withTrailers) stream.end();
}
