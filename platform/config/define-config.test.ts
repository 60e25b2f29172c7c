import { describe, expect, it } from "vitest";
import { defineConfig, env } from "./define-config.js";
import { text } from "./env-schemas.js";

describe("defineConfig", () => {
  it("returns the shape frozen", () => {
    const def = defineConfig({ name: env("NAME", text(), "A name") });
    expect(Object.isFrozen(def)).toBe(true);
    expect(Object.isFrozen(def.name)).toBe(true);
    expect(def.name).toMatchObject({ env: "NAME", doc: "A name" });
  });

  it("rejects an env name declared twice", () => {
    expect(() =>
      defineConfig({ a: env("NAME", text(), "a"), b: env("NAME", text(), "b") }),
    ).toThrow("config key b: env NAME is declared twice");
  });

  it("rejects env names that are not UPPER_SNAKE_CASE or end in _FILE", () => {
    expect(() => defineConfig({ a: env("name", text(), "a") })).toThrow(/invalid env name/);
    expect(() => defineConfig({ a: env("KEY_FILE", text(), "a") })).toThrow(/invalid env name/);
  });
});
