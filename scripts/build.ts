/**
 * build: records what is being shipped, for `/status` and for audits. It
 * writes `dist/build-info.json` (version, git sha, UTC build time, the
 * toolchain's versions and every check's outcome) and `dist/sbom.json` (the
 * production dependencies as a CycloneDX SBOM, from `npm sbom`), after
 * running the checks: the type check and the SBOM itself. A failed check is
 * recorded, not fatal, so the record is always written; the script then
 * exits 1 if any check failed. Env `GIT_SHA` and `BUILD_TIME` override the
 * values read from git and the clock (an image build passes them in).
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromGit } from "../platform/status/build-info.js";

/** BuildCheck is one check's outcome in build-info.json. */
interface BuildCheck {
  readonly name: string;
  readonly command: string;
  readonly status: "passed" | "failed";
  readonly duration_ms: number;
  /** The end of the output of a failed check. */
  readonly detail?: string;
}

interface Run {
  readonly ok: boolean;
  readonly stdout: string;
  readonly output: string;
}

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

// Last run's files go first: a failed SBOM must not leave an old one looking current.
await mkdir(dist, { recursive: true });
await Promise.all(["build-info.json", "sbom.json"].map((f) => rm(join(dist, f), { force: true })));

const [typecheck, sbom, tools] = await Promise.all([checkTypes(), writeSbom(), toolVersions()]);
const checks = [typecheck, sbom];
const info = {
  version: await packageVersion(),
  git_sha: process.env["GIT_SHA"] || (fromGit(root)?.sha ?? "unknown"),
  build_time: process.env["BUILD_TIME"] || new Date().toISOString(),
  node_version: process.version,
  tools,
  checks,
};
await writeAtomically(join(dist, "build-info.json"), `${JSON.stringify(info, null, 2)}\n`);
report(info.git_sha, checks);
process.exitCode = checks.every((c) => c.status === "passed") ? 0 : 1;

async function checkTypes(): Promise<BuildCheck> {
  return check("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
}

/** writeSbom runs `npm sbom` and keeps its output only if it is a CycloneDX document. */
async function writeSbom(): Promise<BuildCheck> {
  let document = "";
  const result = await check(
    "sbom",
    "npm",
    ["sbom", "--sbom-format", "cyclonedx", "--omit", "dev"],
    (stdout) => {
      const parsed = JSON.parse(stdout) as { bomFormat?: unknown; components?: unknown };
      if (parsed.bomFormat !== "CycloneDX" || !Array.isArray(parsed.components)) {
        throw new Error("npm sbom did not produce a CycloneDX document with components");
      }
      document = stdout;
    },
  );
  if (result.status === "passed") await writeAtomically(join(dist, "sbom.json"), document);
  return result;
}

/** check runs one command; `verify` may reject its output. */
async function check(
  name: string,
  file: string,
  args: readonly string[],
  verify: (stdout: string) => void = () => {},
): Promise<BuildCheck> {
  const startedAt = performance.now();
  const run = await exec(file, args);
  let ok = run.ok;
  let detail = run.output;
  if (ok) {
    try {
      verify(run.stdout);
    } catch (err) {
      ok = false;
      detail = err instanceof Error ? err.message : String(err);
    }
  }
  const duration_ms = Math.round(performance.now() - startedAt);
  const command = [basename(file), ...args].join(" ");
  if (ok) return { name, command, status: "passed", duration_ms };
  return { name, command, status: "failed", duration_ms, detail: tail(detail) };
}

function exec(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}${err && !stdout && !stderr ? err.message : ""}`;
      resolve({ ok: err === null, stdout, output });
    });
  });
}

async function toolVersions(): Promise<Record<string, string>> {
  const version = async (file: string, args: readonly string[]) => {
    const run = await exec(file, args);
    return run.ok ? run.stdout.trim().replace(/^Version /, "") : "unavailable";
  };
  const [npm, buf, tsc] = await Promise.all([
    version("npm", ["--version"]),
    version(bin("buf"), ["--version"]),
    version(bin("tsc"), ["--version"]),
  ]);
  return { node: process.version, npm, buf, tsc };
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "unknown";
}

// Services may read build-info.json while a build runs: never let them see half a file.
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

function tail(text: string): string {
  const lines = text.trim().split("\n");
  return lines.slice(-40).join("\n");
}

function report(sha: string, results: readonly BuildCheck[]): void {
  process.stdout.write(`build ${sha}\n`);
  for (const c of results) {
    process.stdout.write(
      `  ${c.status === "passed" ? "ok  " : "FAIL"} ${c.name} (${c.duration_ms} ms)\n`,
    );
    if (c.detail) process.stdout.write(`${c.detail.replace(/^/gm, "       ")}\n`);
  }
  const sbomWritten = results.some((c) => c.name === "sbom" && c.status === "passed");
  process.stdout.write(`wrote dist/build-info.json${sbomWritten ? " and dist/sbom.json" : ""}\n`);
}
