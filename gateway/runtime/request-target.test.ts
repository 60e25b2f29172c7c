import { describe, expect, it } from "vitest";
import { originForm } from "./request-target.js";

describe("originForm", () => {
  it.each([
    ["/v1/books/x?a=1", "/v1/books/x?a=1"],
    ["http://api.example.com/v1/books/x", "/v1/books/x"],
    ["https://user@api.example.com:8443/v1/books/x?a=1", "/v1/books/x?a=1"],
    ["HTTP://127.0.0.1:80/v1/shelves/1", "/v1/shelves/1"],
    ["http://api.example.com", "/"],
    ["http://api.example.com?a=1", "/?a=1"],
    ["*", "*"],
    ["api.example.com:443", "api.example.com:443"],
  ])("turns %s into %s", (target, want) => {
    expect(originForm(target)).toBe(want);
  });
});
