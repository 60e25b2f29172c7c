import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { defineConfig, env } from "./define-config.js";
import { bool, oneOf, port, text, url } from "./env-schemas.js";
import { loadConfig } from "./load-config.js";

const def = defineConfig({
  port: env("PORT", port(), "Listen port", { default: 8080 }),
  mode: env("MODE", oneOf(["dev", "prod"]), "Run mode"),
  verbose: env("VERBOSE", bool(), "Chatty output", { default: false }),
  name: env("NAME", text().optional(), "Optional name"),
  databaseUrl: env("DATABASE_URL", url(["postgres"]), "Postgres URL", { secret: true }),
});

const valid = { MODE: "dev", DATABASE_URL: "postgres://u:p@db/app" };
const dir = mkdtempSync(join(tmpdir(), "config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(vars: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(def, vars);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies defaults and parses values into typed fields", () => {
    const config = loadConfig(def, valid);
    expect(config).toStrictEqual({
      port: 8080,
      mode: "dev",
      verbose: false,
      name: undefined,
      databaseUrl: "postgres://u:p@db/app",
    });
    expectTypeOf(config.port).toEqualTypeOf<number>();
    expectTypeOf(config.mode).toEqualTypeOf<"dev" | "prod">();
    expectTypeOf(config.name).toEqualTypeOf<string | undefined>();
  });

  it("parses set variables and treats empty ones as unset", () => {
    const config = loadConfig(def, { ...valid, PORT: "9000", VERBOSE: "yes", NAME: "" });
    expect(config.port).toBe(9000);
    expect(config.verbose).toBe(true);
    expect(config.name).toBeUndefined();
  });

  it("lists every bad or missing variable at once", () => {
    const problems = problemsOf({ PORT: "abc", VERBOSE: "maybe" });
    expect(problems).toEqual([
      'PORT: expected integer 0..65535, got "abc"',
      "MODE: required but not set (Run mode)",
      'VERBOSE: expected true or false, got "maybe"',
      "DATABASE_URL: required but not set (Postgres URL)",
    ]);
  });

  it("rejects out-of-range integers with the same wording", () => {
    expect(problemsOf({ ...valid, PORT: "70000" })).toEqual([
      'PORT: expected integer 0..65535, got "70000"',
    ]);
  });

  it("never prints the value of a secret", () => {
    const secret = "mysql://admin:hunter2@db/app";
    const problems = problemsOf({ MODE: "dev", DATABASE_URL: secret });
    expect(problems).toEqual(["DATABASE_URL: invalid (secret value not shown)"]);
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  // ES modules are strict code, so assigning to a frozen property throws.
  it("returns a deeply frozen object", () => {
    const config = loadConfig(def, valid);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe("loadConfig with <NAME>_FILE", () => {
  it("reads the trimmed file content as the variable", () => {
    const file = join(dir, "database-url");
    writeFileSync(file, "postgres://u:p@db/app\n");
    const config = loadConfig(def, { MODE: "dev", DATABASE_URL_FILE: file });
    expect(config.databaseUrl).toBe("postgres://u:p@db/app");
  });

  it("works for non-secret variables too", () => {
    const file = join(dir, "port");
    writeFileSync(file, " 7000 ");
    expect(loadConfig(def, { ...valid, PORT_FILE: file }).port).toBe(7000);
  });

  it("rejects setting both the variable and its _FILE", () => {
    const file = join(dir, "both");
    writeFileSync(file, "postgres://x@db/app");
    expect(
      problemsOf({ MODE: "dev", DATABASE_URL: "postgres://y@db/app", DATABASE_URL_FILE: file }),
    ).toEqual(["DATABASE_URL: both DATABASE_URL and DATABASE_URL_FILE are set; set only one"]);
  });

  it("reports a missing file and names the file source of a bad value", () => {
    const bad = join(dir, "bad-port");
    writeFileSync(bad, "http");
    const problems = problemsOf({
      DATABASE_URL: valid.DATABASE_URL,
      PORT_FILE: bad,
      MODE_FILE: join(dir, "missing"),
    });
    expect(problems).toEqual([
      'PORT (from PORT_FILE): expected integer 0..65535, got "http"',
      `MODE_FILE: cannot read ${JSON.stringify(join(dir, "missing"))} (ENOENT)`,
    ]);
  });

  it("hides secret file content when it is invalid", () => {
    const file = join(dir, "bad-secret");
    writeFileSync(file, "s3cr3t-value");
    const problems = problemsOf({ MODE: "dev", DATABASE_URL_FILE: file });
    expect(problems).toEqual([
      "DATABASE_URL (from DATABASE_URL_FILE): invalid (secret value not shown)",
    ]);
  });
});
