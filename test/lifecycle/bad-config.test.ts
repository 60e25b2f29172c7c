import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("a service started with bad configuration", () => {
  it("exits 1 and names every bad variable", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "services/identity/main.ts"], {
      env: {
        ...process.env,
        RPC_PORT: "abc",
        LOG_LEVEL: "loud",
        DATABASE_URL: "mysql://user:hunter2@db/x",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("invalid configuration:");
    expect(result.stderr).toContain('RPC_PORT: expected integer 0..65535, got "abc"');
    expect(result.stderr).toContain("LOG_LEVEL:");
    expect(result.stderr).toContain("DATABASE_URL:");
    // The secret's value never reaches the output.
    expect(result.stderr).not.toContain("hunter2");
  });
});
