import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { httpStatusFromCode } from "./http-status.js";

describe("httpStatusFromCode", () => {
  it.each([
    [Code.Canceled, 499],
    [Code.Unknown, 500],
    [Code.InvalidArgument, 400],
    [Code.DeadlineExceeded, 504],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.PermissionDenied, 403],
    [Code.ResourceExhausted, 429],
    [Code.FailedPrecondition, 400],
    [Code.Aborted, 409],
    [Code.OutOfRange, 400],
    [Code.Unimplemented, 501],
    [Code.Internal, 500],
    [Code.Unavailable, 503],
    [Code.DataLoss, 500],
    [Code.Unauthenticated, 401],
  ])("maps code %i to %i as DESIGN.md says", (code, status) => {
    expect(httpStatusFromCode(code)).toBe(status);
  });

  it("maps a code it does not know to 500, never to a success", () => {
    expect(httpStatusFromCode(99 as Code)).toBe(500);
    expect(httpStatusFromCode(0 as Code)).toBe(500);
  });
});
