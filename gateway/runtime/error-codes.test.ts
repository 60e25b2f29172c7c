import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { errorCodeFromConnectCode, errorCodes } from "./error-codes.js";

const allCodes = Object.values(Code).filter((c): c is Code => typeof c === "number");

describe("errorCodes", () => {
  it("documents every code in one sentence", () => {
    for (const [code, doc] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*[A-Z0-9]$/);
      expect(doc.length).toBeGreaterThan(10);
    }
  });

  it("names every Connect code with a catalogued code", () => {
    for (const code of allCodes) expect(errorCodes).toHaveProperty(errorCodeFromConnectCode(code));
  });

  it("uses gRPC's canonical names, and hides UNKNOWN and DATA_LOSS behind INTERNAL", () => {
    expect(errorCodeFromConnectCode(Code.Canceled)).toBe("CANCELLED");
    expect(errorCodeFromConnectCode(Code.InvalidArgument)).toBe("INVALID_ARGUMENT");
    expect(errorCodeFromConnectCode(Code.Unknown)).toBe("INTERNAL");
    expect(errorCodeFromConnectCode(Code.DataLoss)).toBe("INTERNAL");
    expect(errorCodeFromConnectCode(77 as Code)).toBe("INTERNAL");
  });
});

describe("docs/errors.md", () => {
  it("lists every code of the catalogue", () => {
    const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    for (const code of Object.keys(errorCodes)) expect(doc).toContain(`| \`${code}\` |`);
  });
});
