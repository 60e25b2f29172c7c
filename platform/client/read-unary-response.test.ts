import { constants, type IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { describe, expect, it } from "vitest";
import { EchoRequestSchema } from "../../gen/interop/v1/interop_pb.js";
import { encodeFrame } from "../rpc/grpc-frame.js";
import { type RawUnaryResponse, readUnaryResponse } from "./read-unary-response.js";

/** node:http2 delivers `:status` as a number, which its header type does not admit. */
const h = (headers: object) => headers as unknown as IncomingHttpHeaders;
const ok = h({ ":status": 200, "content-type": "application/grpc" });
const message = Buffer.from("hello");

function raw(overrides: Partial<RawUnaryResponse>): RawUnaryResponse {
  return {
    header: ok,
    trailer: { "grpc-status": "0" },
    chunks: [encodeFrame(message)],
    failure: undefined,
    rstCode: 0,
    ...overrides,
  };
}

function errorOf(response: RawUnaryResponse, maxBytes = 1024): ConnectError {
  try {
    readUnaryResponse(response, maxBytes);
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error("expected an error");
}

describe("readUnaryResponse", () => {
  it("returns the unframed message of a status 0 response, joining split DATA frames", () => {
    const frame = encodeFrame(message);
    const result = readUnaryResponse(
      raw({ chunks: [frame.subarray(0, 3), frame.subarray(3)] }),
      1024,
    );
    expect(result.message.toString()).toBe("hello");
    expect(result.trailer["grpc-status"]).toBe("0");
  });

  it("maps a non-200 HTTP status through the HTTP-to-gRPC table", () => {
    expect(errorOf(raw({ header: h({ ":status": 503 }) })).code).toBe(Code.Unavailable);
    expect(errorOf(raw({ header: h({ ":status": 404 }) })).code).toBe(Code.Unimplemented);
    expect(errorOf(raw({ header: h({ ":status": 429 }) })).code).toBe(Code.Unavailable);
  });

  it("refuses a response that is not gRPC", () => {
    const header = h({ ":status": 200, "content-type": "text/html" });
    expect(errorOf(raw({ header })).code).toBe(Code.Unknown);
  });

  it("reads the status of a trailers-only response from its headers", () => {
    const header = h({ ...ok, "grpc-status": "5", "grpc-message": "no%20such%20user%20%E2%9C%93" });
    const err = errorOf(raw({ header, trailer: undefined, chunks: [] }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("no such user ✓");
  });

  it("keeps response headers and trailers in the error's metadata", () => {
    const header = h({ ...ok, "x-request-id": "abc" });
    const err = errorOf(raw({ header, trailer: { "grpc-status": "7", "x-trace": "t1" } }));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.metadata.get("x-request-id")).toBe("abc");
    expect(err.metadata.get("x-trace")).toBe("t1");
  });

  it("decodes error details from grpc-status-details-bin", () => {
    const sent = new ConnectError("stale", Code.FailedPrecondition);
    sent.details.push({ desc: EchoRequestSchema, value: { message: "why" } });
    const trailer = Object.fromEntries(setTrailerStatus(new Headers(), sent));
    const err = errorOf(raw({ trailer }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toBe("stale");
    expect(err.findDetails(EchoRequestSchema)[0]?.message).toBe("why");
  });

  it("reports a stream that closed cleanly without a status as a protocol error", () => {
    expect(errorOf(raw({ trailer: undefined })).code).toBe(Code.Internal);
  });

  it("maps resets and lost connections without a status", () => {
    const refused = raw({
      header: undefined,
      trailer: undefined,
      rstCode: constants.NGHTTP2_REFUSED_STREAM,
    });
    expect(errorOf(refused).code).toBe(Code.Unavailable);
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const cut = errorOf(
      raw({ trailer: undefined, failure: reset, rstCode: constants.NGHTTP2_INTERNAL_ERROR }),
    );
    expect(cut.code).toBe(Code.Unavailable);
    expect(cut.cause).toBe(reset);
    expect(cut.rawMessage).toBe("upstream unavailable: ECONNRESET");
  });

  it("requires exactly one uncompressed message within the size limit", () => {
    expect(errorOf(raw({ chunks: [] })).code).toBe(Code.Unimplemented);
    const two = Buffer.concat([encodeFrame(message), encodeFrame(message)]);
    expect(errorOf(raw({ chunks: [two] })).code).toBe(Code.Internal);
    const compressed = encodeFrame(message);
    compressed[0] = 1;
    expect(errorOf(raw({ chunks: [compressed] })).code).toBe(Code.Internal);
    expect(errorOf(raw({}), 4).code).toBe(Code.ResourceExhausted);
  });
});
