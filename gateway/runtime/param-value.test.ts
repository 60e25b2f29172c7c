import { describe, expect, it } from "vitest";
import { BookSchema, ListBooksRequestSchema } from "../../gen/gwtest/v1/library_pb.js";
import { paramJson, paramUnsupported } from "./param-value.js";

const field = (name: string) => ListBooksRequestSchema.fields.find((f) => f.name === name)!;

describe("paramJson", () => {
  it.each([
    ["page_size", "5", "5"],
    ["max_price_cents", "18446744073709551615", "18446744073709551615"],
    ["available_only", "true", true],
    ["available_only", "false", false],
    ["available_only", "yes", "yes"],
    ["available_only", "TRUE", true],
    ["available_only", "True", true],
    ["available_only", "t", true],
    ["available_only", "T", true],
    ["available_only", "1", true],
    ["available_only", "FALSE", false],
    ["available_only", "False", false],
    ["available_only", "f", false],
    ["available_only", "F", false],
    ["available_only", "0", false],
    ["available_only", "tRUE", "tRUE"],
    ["available_only", "2", "2"],
    ["available_only", "", ""],
    ["kinds", "2", 2],
    ["kinds", "-1", -1],
    ["kinds", "KIND_FICTION", "KIND_FICTION"],
    ["published_after", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"],
    ["min_pages", "7", "7"],
  ])("turns %s=%s into the ProtoJSON value %j", (name, raw, json) => {
    expect(paramJson(field(name), raw)).toEqual(json);
  });
});

describe("paramUnsupported", () => {
  it("allows scalars, enums, string-form well-known types and lists of them", () => {
    for (const name of ["page_size", "kinds", "published_after", "read_mask", "min_pages"]) {
      expect(paramUnsupported(field(name))).toBeUndefined();
    }
  });

  it("explains why messages and maps cannot come from a URL string", () => {
    expect(paramUnsupported(field("filter"))).toMatch(/message/);
    const labels = BookSchema.fields.find((f) => f.name === "labels")!;
    expect(paramUnsupported(labels)).toMatch(/map/);
  });
});
