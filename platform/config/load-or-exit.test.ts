import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/bad-config.ts", import.meta.url));

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Runs the fixture in a real process, so exit code and stderr are what an
// orchestrator would see. Platform variables from the outer env are dropped.
function runFixture(vars: Record<string, string>): Promise<RunResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(LOG_LEVEL|RPC_PORT|DATABASE_URL|GREETING)/.test(key),
    ),
  );
  return new Promise((resolve) => {
    execFile("npx", ["tsx", fixture], { env: { ...clean, ...vars } }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe("loadConfigOrExit", () => {
  it("exits 1 and names every bad variable on stderr", async () => {
    const result = await runFixture({
      RPC_PORT: "abc",
      LOG_LEVEL: "loud",
      DATABASE_URL: "mysql://root:hunter2@db",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    // toContain, not toBe: npx itself may print warnings about the npm setup.
    expect(result.stderr).toContain(
      [
        "invalid configuration:",
        '  - LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        '  - RPC_PORT: expected integer 0..65535, got "abc"',
        "  - DATABASE_URL: invalid (secret value not shown)",
        "  - GREETING: required but not set (Greeting shown to users)",
        "",
      ].join("\n"),
    );
    expect(result.stderr).not.toContain("hunter2");
  });

  it("starts normally with a valid environment", async () => {
    const result = await runFixture({ GREETING: "hello" });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ greeting: "hello", rpcPort: 8441 });
  });
});
