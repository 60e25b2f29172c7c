import { describe, expect, it } from "vitest";
import { grpcRequestHeaders } from "./grpc-request-headers.js";

const PROTOCOL = {
  ":method": "POST",
  ":path": "/identity.v1.UserService/GetUser",
  "content-type": "application/grpc+proto",
  te: "trailers",
  "grpc-timeout": "5000m",
};

const build = (caller: Parameters<typeof grpcRequestHeaders>[3]) =>
  grpcRequestHeaders("/identity.v1.UserService/GetUser", 5_000, "protoplane-test", caller);

describe("grpcRequestHeaders", () => {
  it("copies a caller's headers of every HeadersInit shape the same way: lowercased, repeats joined", () => {
    const expected = {
      ...PROTOCOL,
      "user-agent": "protoplane-test",
      "x-request-id": "r1",
      "x-tags": "a, b",
    };
    expect(build({ "X-Request-ID": "r1", "X-Tags": ["a", "b"] })).toEqual(expected);
    expect(
      build([
        ["X-Request-ID", "r1"],
        ["x-tags", "a"],
        ["X-Tags", "b"],
      ]),
    ).toEqual(expected);
    const headers = new Headers({ "x-request-id": "r1" });
    headers.append("x-tags", "a");
    headers.append("x-tags", "b");
    expect(build(headers)).toEqual(expected);
    expect(build(undefined)).toEqual({ ...PROTOCOL, "user-agent": "protoplane-test" });
  });

  it("drops what the protocol owns and lets a caller replace user-agent", () => {
    const built = build({
      ":path": "/evil",
      "Content-Type": "text/plain",
      te: "gzip",
      "grpc-timeout": "1S",
      "grpc-encoding": "gzip",
      "user-agent": "caller/1.0",
    });
    expect(built).toEqual({ ...PROTOCOL, "user-agent": "caller/1.0" });
  });
});
