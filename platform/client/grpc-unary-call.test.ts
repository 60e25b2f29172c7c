import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureServiceCert } from "../pki/index.js";
import { encodeFrame } from "../rpc/grpc-frame.js";
import { grpcRequestHeaders } from "./grpc-request-headers.js";
import { grpcUnaryCall, isUnprocessedFailure } from "./grpc-unary-call.js";
import { createHttp2SessionPool, type Http2SessionPool } from "./http2-session-pool.js";
import { startTestH2Server, type TestH2Server } from "./test-h2-server.js";

const grpcOk = { ":status": 200, "content-type": "application/grpc" };

/** Scripted responses, by the method name in the request path. */
const script: Record<string, (stream: http2.ServerHttp2Stream) => void> = {
  Ok(stream) {
    stream.respond({ ...grpcOk, "x-seen": "yes" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-done": "1" }));
    stream.end(encodeFrame(Buffer.from("pong")));
  },
  TrailersOnly(stream) {
    stream.respond(
      { ...grpcOk, "grpc-status": "5", "grpc-message": "no%20such%20thing" },
      { endStream: true },
    );
  },
  Refuse(stream) {
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  },
  Proxy503(stream) {
    stream.respond({ ":status": 503, "content-type": "text/plain" });
    stream.end("upstream down");
  },
  Huge(stream) {
    stream.respond(grpcOk);
    stream.write(encodeFrame(Buffer.alloc(1024 * 1024)));
  },
};

let dir: string;
let server: TestH2Server;
let pool: Http2SessionPool;
const reset: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "protoplane-unary-"));
  const serverCert = await ensureServiceCert(dir, { service: "wire" });
  const clientCert = await ensureServiceCert(dir, { service: "wire-client" });
  server = await startTestH2Server(serverCert, (stream, headers) => {
    const method = String(headers[":path"]).split("/").at(-1)!;
    stream.on("close", () => {
      if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) reset.push(method);
    });
    stream.resume();
    script[method]?.(stream);
  });
  pool = createHttp2SessionPool({ baseUrl: server.url, tls: clientCert });
});

afterAll(async () => {
  await pool.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function call(method: string, maxMessageBytes = 4096) {
  return grpcUnaryCall(pool.session(), {
    headers: grpcRequestHeaders(`/test.v1.Wire/${method}`, 5_000, "test", undefined),
    frame: encodeFrame(Buffer.from("ping")),
    timeoutMs: 5_000,
    signal: undefined,
    maxMessageBytes,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<Code> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectError))
    throw new Error(`expected a ConnectError, got ${String(err)}`);
  return err.code;
}

describe("grpcUnaryCall", () => {
  it("returns the message, headers and trailers of a well-formed response", async () => {
    const result = await call("Ok");
    expect(result.message.toString()).toBe("pong");
    expect(result.header["x-seen"]).toBe("yes");
    expect(result.trailer["x-done"]).toBe("1");
  });

  it("reads the status of a trailers-only response", async () => {
    expect(await codeOf(call("TrailersOnly"))).toBe(Code.NotFound);
  });

  it("maps a refused stream to UNAVAILABLE and flags it safe to send again", async () => {
    const refused = await call("Refuse").catch((e: unknown) => e);
    expect(await codeOf(Promise.reject(refused))).toBe(Code.Unavailable);
    expect(isUnprocessedFailure(refused)).toBe(true);
    const answered = await call("TrailersOnly").catch((e: unknown) => e);
    expect(isUnprocessedFailure(answered)).toBe(false);
  });

  it("maps a proxy's HTTP 503 to UNAVAILABLE", async () => {
    expect(await codeOf(call("Proxy503"))).toBe(Code.Unavailable);
  });

  it("stops reading and cancels the stream once a response outgrows the limit", async () => {
    expect(await codeOf(call("Huge", 64 * 1024))).toBe(Code.ResourceExhausted);
    await expect.poll(() => reset).toContain("Huge");
  });
});
