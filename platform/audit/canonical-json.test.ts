import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("writes the RFC 8785 section 3.2.2 sample as the RFC does", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts members by UTF-16 code units, at every depth", () => {
    // "\u{1F600}" is a surrogate pair (0xD83D…), which sorts before "\uFB33".
    const value = { b: { z: 1, a: [{ y: 2, x: 1 }] }, "\uFB33": 1, "\u{1F600}": 2, a: null };
    expect(canonicalJson(value)).toBe(
      '{"a":null,"b":{"a":[{"x":1,"y":2}],"z":1},"\u{1F600}":2,"\uFB33":1}',
    );
  });

  it("encodes a jsonb-reordered copy of a value to the same text", () => {
    expect(canonicalJson({ long_key: 1, k: [true, "x"] })).toBe(
      canonicalJson({ k: [true, "x"], long_key: 1 }),
    );
  });

  it("leaves out undefined members, as JSON (and so jsonb) does", () => {
    expect(canonicalJson({ a: undefined, b: 1, c: [undefined] })).toBe('{"b":1,"c":[null]}');
  });

  it("refuses values JSON has no agreed form for", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/not JSON/);
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(/not JSON/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/not JSON/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/not JSON/);
  });
});
