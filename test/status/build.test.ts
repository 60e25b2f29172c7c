import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/status/build-info.js";

interface BuildRun {
  readonly code: number;
  readonly stdout: string;
}

function npmRunBuild(): Promise<BuildRun> {
  return new Promise((resolve) => {
    execFile("npm", ["run", "build"], { cwd: projectRoot, timeout: 240_000 }, (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, stdout });
    });
  });
}

const readDist = (file: string) =>
  JSON.parse(readFileSync(join(projectRoot, "dist", file), "utf8"));

describe("npm run build", () => {
  it("writes dist/build-info.json and a CycloneDX dist/sbom.json, and fails exactly when a check failed", async () => {
    const run = await npmRunBuild();
    const info = readDist("build-info.json");
    expect(info).toMatchObject({
      version: "0.1.0",
      git_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      node_version: process.version,
      tools: {
        node: process.version,
        npm: expect.stringMatching(/^\d+\.\d+\.\d+/),
        buf: expect.stringMatching(/^\d+\.\d+\.\d+/),
        tsc: expect.stringMatching(/^\d+\.\d+\.\d+/),
      },
    });
    expect(new Date(info.build_time).toISOString()).toBe(info.build_time);
    expect(info.checks.map((c: { name: string }) => c.name)).toEqual(["typecheck", "sbom"]);
    for (const check of info.checks) {
      expect(check).toMatchObject({
        command: expect.any(String),
        status: expect.stringMatching(/^(passed|failed)$/),
        duration_ms: expect.any(Number),
      });
    }
    // The type check covers files others may be editing right now: judge the
    // exit code against the recorded checks rather than assume they passed.
    const failed = info.checks.filter((c: { status: string }) => c.status === "failed");
    expect(run.code !== 0).toBe(failed.length > 0);
    expect(run.stdout).toContain(`build ${info.git_sha}`);

    expect(info.checks[1].status).toBe("passed");
    const sbom = readDist("sbom.json");
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(sbom.specVersion).toMatch(/^1\.\d+$/);
    expect(sbom.components.length).toBeGreaterThan(0);
    const names = sbom.components.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(["pino", "prom-client", "zod"]));
    // --omit dev: build and test tools are not shipped.
    expect(names).not.toContain("vitest");
  }, 300_000);
});
