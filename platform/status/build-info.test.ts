import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuildInfo } from "./build-info.js";

function project(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), "pp-build-info-"));
  mkdirSync(join(root, "dist"));
  for (const [path, content] of Object.entries(files)) {
    writeFileSync(join(root, path), JSON.stringify(content));
  }
  return root;
}

describe("loadBuildInfo", () => {
  it("knows this checkout: version, a git sha, a build time, the Node version", () => {
    const info = loadBuildInfo();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.gitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(info.buildTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(info.nodeVersion).toBe(process.version);
  });

  it("prefers GIT_SHA and BUILD_TIME, then dist/build-info.json", () => {
    const root = project({
      "package.json": { version: "2.0.0" },
      "dist/build-info.json": { git_sha: "f00d", build_time: "2026-05-01T00:00:00.000Z" },
    });
    expect(loadBuildInfo({ root })).toMatchObject({
      version: "2.0.0",
      gitSha: "f00d",
      buildTime: "2026-05-01T00:00:00.000Z",
    });
    expect(loadBuildInfo({ root, gitSha: "beef", buildTime: "now" })).toMatchObject({
      gitSha: "beef",
      buildTime: "now",
    });
  });

  it("says unknown outside a checkout and without a build record", () => {
    const root = project({ "package.json": { version: "3.0.0" } });
    expect(loadBuildInfo({ root })).toMatchObject({
      version: "3.0.0",
      gitSha: "unknown",
      buildTime: "unknown",
    });
  });
});
