import { describe, expect, it } from "vitest";
import { isJsonContentType } from "./read-json-body.js";

describe("isJsonContentType", () => {
  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
    'application/json; charset="utf-8"',
    "application/json; foo=bar",
  ])("accepts %s", (header) => {
    expect(isJsonContentType(header)).toBe(true);
  });

  it.each([
    undefined,
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/jsonl",
    "application/json; charset=latin1",
    "application/problem+json",
  ])("refuses %s", (header) => {
    expect(isJsonContentType(header)).toBe(false);
  });
});
