import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** BuildInfo says what is running: which release, from which commit, built when, on which Node. */
export interface BuildInfo {
  readonly version: string;
  readonly gitSha: string;
  /** UTC ISO-8601, or "unknown". */
  readonly buildTime: string;
  readonly nodeVersion: string;
}

/** BuildInfoOptions override the lookups; the first two come from `GIT_SHA` and `BUILD_TIME`. */
export interface BuildInfoOptions {
  readonly gitSha?: string | undefined;
  readonly buildTime?: string | undefined;
  /** The project root holding package.json and dist/; default: this checkout. */
  readonly root?: string;
}

/** projectRoot is the directory holding package.json, two levels above this file. */
export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

/** BUILD_INFO_FILE is where `npm run build` records the build, relative to the root. */
export const BUILD_INFO_FILE = join("dist", "build-info.json");

const UNKNOWN = "unknown";
const cache = new Map<string, Omit<BuildInfo, "nodeVersion">>();

/**
 * loadBuildInfo reads, once per root: the version from package.json; the
 * git sha and build time from the options (env `GIT_SHA`, `BUILD_TIME`, set
 * by the image build), else from `dist/build-info.json` written by
 * `npm run build`, else from git in a development checkout (HEAD and its
 * commit time), else "unknown". It never throws: a status page must render.
 */
export function loadBuildInfo(options: BuildInfoOptions = {}): BuildInfo {
  const root = options.root ?? projectRoot;
  let found = cache.get(root);
  if (found === undefined) {
    found = lookUp(root);
    cache.set(root, found);
  }
  return {
    version: found.version,
    gitSha: options.gitSha ?? found.gitSha,
    buildTime: options.buildTime ?? found.buildTime,
    nodeVersion: process.version,
  };
}

function lookUp(root: string): Omit<BuildInfo, "nodeVersion"> {
  const version = stringField(readJson(join(root, "package.json")), "version") ?? UNKNOWN;
  const built = readJson(join(root, BUILD_INFO_FILE));
  const gitSha = stringField(built, "git_sha");
  const buildTime = stringField(built, "build_time");
  if (gitSha !== undefined && buildTime !== undefined) return { version, gitSha, buildTime };
  const git = fromGit(root);
  return {
    version,
    gitSha: gitSha ?? git?.sha ?? UNKNOWN,
    buildTime: buildTime ?? git?.time ?? UNKNOWN,
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" && field !== "" && field !== UNKNOWN ? field : undefined;
}

/** fromGit is HEAD's sha and commit time (UTC), or undefined outside a checkout or without git. */
export function fromGit(root: string): { sha: string; time: string } | undefined {
  try {
    const out = execFileSync("git", ["show", "-s", "--format=%H%n%cI", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5_000,
    });
    const [sha = "", time = ""] = out.trim().split("\n");
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return undefined;
    const date = new Date(time);
    return { sha, time: Number.isNaN(date.getTime()) ? UNKNOWN : date.toISOString() };
  } catch {
    return undefined;
  }
}
