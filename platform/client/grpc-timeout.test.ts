import { describe, expect, it } from "vitest";
import { encodeGrpcTimeout } from "./grpc-timeout.js";

describe("encodeGrpcTimeout", () => {
  it("sends milliseconds while they fit in 8 digits", () => {
    expect(encodeGrpcTimeout(1500)).toBe("1500m");
    expect(encodeGrpcTimeout(99_999_999)).toBe("99999999m");
  });

  it("rounds fractions up so the server deadline is never shorter", () => {
    expect(encodeGrpcTimeout(0.2)).toBe("1m");
    expect(encodeGrpcTimeout(10.01)).toBe("11m");
  });

  it("moves to a coarser unit instead of exceeding 8 digits", () => {
    expect(encodeGrpcTimeout(100_000_000)).toBe("100000S");
    expect(encodeGrpcTimeout(100_000_000_000)).toBe("1666667M");
    expect(encodeGrpcTimeout(Number.MAX_SAFE_INTEGER)).toBe("99999999H");
  });
});
