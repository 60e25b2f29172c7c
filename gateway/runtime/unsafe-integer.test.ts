import { describe, expect, it } from "vitest";
import { findUnsafeInteger } from "./unsafe-integer.js";

describe("findUnsafeInteger", () => {
  it.each([
    ['{"pages": 9007199254740993}', "9007199254740993"],
    ['{"a": [1, -9007199254740992]}', "-9007199254740992"],
    ['{"ids": ["9007199254740993", 18446744073709551615]}', "18446744073709551615"],
    ['{"s": "\\"", "n": 12345678901234567890}', "12345678901234567890"],
    ['{"n": 9007199254740993 }', "9007199254740993"],
  ])("finds the rounded literal in %s", (text, literal) => {
    expect(findUnsafeInteger(text)).toBe(literal);
  });

  it.each([
    '{"pages": 9007199254740991, "min": -9007199254740991}',
    '{"pages": "9007199254740993"}',
    '{"s": "say \\"9007199254740993\\" 18446744073709551615"}',
    '{"rating": 1e300, "x": 12345678901234567.5, "y": 1.2345678901234567e3}',
    '{"title": "Dune", "pages": 412}',
  ])("passes %s", (text) => {
    expect(findUnsafeInteger(text)).toBeUndefined();
  });
});
