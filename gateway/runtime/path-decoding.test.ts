import { ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  assertValidPercentEncoding,
  decodeReservedExpansion,
  decodeSegment,
} from "./path-decoding.js";

describe("path decoding (http.proto path template rules)", () => {
  it("fully decodes a single segment, %2F included", () => {
    expect(decodeSegment("a%2Fb%20c%3Ad")).toBe("a/b c:d");
    expect(decodeSegment("plain")).toBe("plain");
  });

  it("keeps %2F and %2f as sent in a multi-segment value and decodes the rest", () => {
    expect(decodeReservedExpansion("shelves/a%2Fb/books/c%2fd%C3%A9%25")).toBe(
      "shelves/a%2Fb/books/c%2fdé%",
    );
    expect(decodeReservedExpansion("a/b")).toBe("a/b");
  });

  it("accepts valid escapes and rejects broken ones with INVALID_ARGUMENT", () => {
    expect(() => assertValidPercentEncoding("/v1/a%20b/%C3%A9")).not.toThrow();
    for (const bad of ["/a%", "/a%2", "/a%zz", "/a%C3", "/a%FF"]) {
      expect(() => assertValidPercentEncoding(bad)).toThrow(ConnectError);
    }
  });
});
