import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { defaultPageSize, maxPageSize, pageSize } from "./page-size.js";

describe("pageSize", () => {
  it("uses the default for 0, proto3's unset", () => {
    expect(pageSize(0)).toBe(defaultPageSize);
    expect(defaultPageSize).toBe(20);
  });

  it("keeps limits from 1 to the maximum", () => {
    expect(pageSize(1)).toBe(1);
    expect(pageSize(maxPageSize)).toBe(100);
  });

  it.each([-1, 101, 1.5])("rejects %d as INVALID_ARGUMENT", (limit) => {
    expect(() => pageSize(limit)).toThrow(expect.objectContaining({ code: Code.InvalidArgument }));
  });
});
