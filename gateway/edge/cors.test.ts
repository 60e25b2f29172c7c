import { describe, expect, it } from "vitest";
import { createCors } from "./cors.js";

const base = { allowCredentials: false, maxAgeS: 600 };

describe("createCors", () => {
  it("allows exactly the listed origins", () => {
    const cors = createCors({ ...base, origins: ["https://app.example.com"] });
    expect(cors.decide("https://app.example.com")).toEqual({
      kind: "allowed",
      allowOrigin: "https://app.example.com",
    });
    expect(cors.decide("https://app.example.com.evil.test")).toEqual({ kind: "refused" });
    expect(cors.decide("http://app.example.com")).toEqual({ kind: "refused" });
    expect(cors.decide("null")).toEqual({ kind: "refused" });
  });

  it("does nothing for a request without Origin", () => {
    const cors = createCors({ ...base, origins: ["https://app.example.com"] });
    expect(cors.decide(undefined)).toEqual({ kind: "none" });
  });

  it("is off with an empty allow-list", () => {
    expect(createCors({ ...base, origins: [] }).decide("https://a.test")).toEqual({
      kind: "none",
    });
  });

  it("answers * for any origin when configured so, without credentials", () => {
    const cors = createCors({ ...base, origins: ["*"] });
    expect(cors.decide("https://anyone.test")).toEqual({ kind: "allowed", allowOrigin: "*" });
  });

  it("refuses * together with credentials at startup", () => {
    expect(() => createCors({ ...base, origins: ["*"], allowCredentials: true })).toThrow(
      /credentials/,
    );
  });
});
