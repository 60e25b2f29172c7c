import { describe, expect, it } from "vitest";
import { canonicalJson, idempotencyFingerprint } from "./idempotency-fingerprint.js";

const request = {
  method: "POST",
  pathTemplate: "/v1/{parent=shelves/*}/books",
  params: new Map([["parent", "shelves/1"]]),
  query: new URLSearchParams("book_id=b1&tag=x&tag=y"),
  body: { title: "Dune", author: { name: "Frank Herbert", born: 1920 } },
};

describe("idempotencyFingerprint", () => {
  it("is a SHA-256 in base64url", () => {
    expect(idempotencyFingerprint(request)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("ignores key order in the body and parameter order in the query", () => {
    const reordered = {
      ...request,
      query: new URLSearchParams("tag=x&book_id=b1&tag=y"),
      body: { author: { born: 1920, name: "Frank Herbert" }, title: "Dune" },
    };
    expect(idempotencyFingerprint(reordered)).toBe(idempotencyFingerprint(request));
  });

  it("changes with any parameter", () => {
    const fingerprint = idempotencyFingerprint(request);
    const variants = [
      { ...request, method: "PATCH" },
      { ...request, pathTemplate: "/v1/books" },
      { ...request, params: new Map([["parent", "shelves/2"]]) },
      // The order of a repeated parameter is meaningful (a repeated field).
      { ...request, query: new URLSearchParams("book_id=b1&tag=y&tag=x") },
      { ...request, body: { ...request.body, title: "Dune Messiah" } },
      { ...request, body: undefined },
    ];
    for (const variant of variants) expect(idempotencyFingerprint(variant)).not.toBe(fingerprint);
  });

  it("keeps a __proto__ key as data", () => {
    const withProto = JSON.parse('{"__proto__":{"x":1}}');
    expect(JSON.stringify(canonicalJson(withProto))).toBe('{"__proto__":{"x":1}}');
    expect(idempotencyFingerprint({ ...request, body: withProto })).not.toBe(
      idempotencyFingerprint({ ...request, body: {} }),
    );
  });
});
