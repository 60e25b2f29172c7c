import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { platformError } from "../../platform/rpc/platform-error.js";
import { FALLBACK_ERROR_BODY, renderError } from "./error-envelope.js";
import {
  fieldError,
  malformedJson,
  methodNotAllowed,
  payloadTooLarge,
  routeNotFound,
  unsupportedMediaType,
} from "./gateway-errors.js";

function render(err: unknown) {
  const { status, body } = renderError(err, "req-1");
  return { status, envelope: JSON.parse(body) };
}

const badRequest = {
  desc: BadRequestSchema,
  value: { fieldViolations: [{ field: "user.email", description: "must be an email" }] },
};

describe("renderError", () => {
  it("uses the ErrorInfo reason as the code, BadRequest violations as details", () => {
    const err = platformError(Code.InvalidArgument, "VALIDATION_FAILED", "invalid request", [
      badRequest,
    ]);
    expect(render(err)).toEqual({
      status: 400,
      envelope: {
        error: {
          code: "VALIDATION_FAILED",
          message: "invalid request",
          details: [{ field: "user.email", reason: "must be an email" }],
          request_id: "req-1",
        },
      },
    });
  });

  it("reads details that came over the wire (google.protobuf.Any)", () => {
    const info = create(ErrorInfoSchema, { reason: "EMAIL_TAKEN", domain: "identity" });
    const err = new ConnectError("taken", Code.AlreadyExists);
    err.details.push({ type: ErrorInfoSchema.typeName, value: toBinary(ErrorInfoSchema, info) });
    expect(render(err)).toMatchObject({
      status: 409,
      envelope: { error: { code: "EMAIL_TAKEN" } },
    });
  });

  it("derives the code from the Connect code when there is no reason", () => {
    const { status, envelope } = render(new ConnectError("no such book", Code.NotFound));
    expect(status).toBe(404);
    expect(envelope.error).toEqual({
      code: "NOT_FOUND",
      message: "no such book",
      details: [],
      request_id: "req-1",
    });
  });

  it("ignores a reason that is not a stable UPPER_SNAKE code", () => {
    const err = platformError(Code.NotFound, "not a code!", "gone");
    expect(render(err).envelope.error.code).toBe("NOT_FOUND");
  });

  it("fills in a message when the error has none", () => {
    expect(render(new ConnectError("", Code.NotFound)).envelope.error.message).toBe("not found");
  });

  it("keeps UNAVAILABLE's code but not its message, which names the failing dependency", () => {
    const { status, envelope } = render(
      new ConnectError("upstream unavailable: ECONNREFUSED 10.0.0.7:50051", Code.Unavailable),
    );
    expect(status).toBe(503);
    expect(envelope.error).toMatchObject({
      code: "UNAVAILABLE",
      message: "the service is unavailable; retry later",
    });
  });

  it.each([
    Code.Internal,
    Code.Unknown,
    Code.DataLoss,
  ])("masks the message, reason and details of code %i", (code) => {
    const err = platformError(code, "DB_BROKEN", "pq: password authentication failed at 10.0.0.7", [
      badRequest,
    ]);
    expect(render(err)).toEqual({
      status: 500,
      envelope: {
        error: { code: "INTERNAL", message: "internal error", details: [], request_id: "req-1" },
      },
    });
  });

  it("turns anything that is not a ConnectError into a masked 500", () => {
    const { status, envelope } = render(new TypeError("x is undefined at /srv/app.ts:12"));
    expect(status).toBe(500);
    expect(envelope.error.message).toBe("internal error");
    expect(JSON.stringify(envelope)).not.toContain("srv");
  });

  it("maps an AbortError to 499 CANCELLED", () => {
    const abort = new DOMException("aborted", "AbortError");
    expect(render(abort)).toMatchObject({
      status: 499,
      envelope: { error: { code: "CANCELLED" } },
    });
  });

  it.each([
    [routeNotFound("GET", "/nope"), 404, "NOT_FOUND"],
    [methodNotAllowed("DELETE", ["GET", "HEAD"]), 405, "METHOD_NOT_ALLOWED"],
    [payloadTooLarge(1024), 413, "PAYLOAD_TOO_LARGE"],
    [unsupportedMediaType("text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"],
    [malformedJson("Unexpected token"), 400, "MALFORMED_JSON"],
    [fieldError("page_size", "bad"), 400, "INVALID_ARGUMENT"],
  ])("renders gateway error %#", (err, status, code) => {
    expect(render(err)).toMatchObject({ status, envelope: { error: { code } } });
  });

  it("pins 405/413/415 only for the platform's own ErrorInfo domain", () => {
    const err = new ConnectError("x", Code.Unimplemented, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "METHOD_NOT_ALLOWED", domain: "elsewhere" } },
    ]);
    expect(render(err).status).toBe(501);
  });

  it("falls back to a fixed 500 body when rendering fails", () => {
    const err = new ConnectError("x", Code.InvalidArgument);
    err.findDetails = () => {
      throw new Error("corrupt detail");
    };
    expect(renderError(err, "req-1")).toEqual({ status: 500, body: FALLBACK_ERROR_BODY });
    expect(JSON.parse(FALLBACK_ERROR_BODY)).toMatchObject({ error: { code: "INTERNAL" } });
  });

  it("never renders a status below 400", () => {
    for (let code = 0; code <= 20; code++) {
      expect(renderError(new ConnectError("x", code as Code), "r").status).toBeGreaterThanOrEqual(
        400,
      );
    }
  });
});
