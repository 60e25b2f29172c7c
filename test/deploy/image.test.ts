import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryPoints } from "./k8s-manifests.js";
import { copySources, finalStage, parseDockerfile, variableNames } from "./parse-dockerfile.js";
import { readYamlFile } from "./read-yaml-files.js";

// Static checks of the image and the Compose stack: there is no Docker daemon
// here to build or run them.

const instructions = parseDockerfile(readFileSync("deploy/Dockerfile", "utf8"));
const runtime = finalStage(instructions);
const last = (keyword: string) => runtime.findLast((i) => i.keyword === keyword)?.args;
const ignorePatterns = readFileSync("deploy/Dockerfile.dockerignore", "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const secretLike = /PASSW(OR)?D|SECRET|TOKEN|CREDENTIAL|PRIVATE|KEY|DATABASE_URL|NATS_URL/i;

describe("deploy/Dockerfile", () => {
  it("builds on node:20-bookworm-slim, with production dependencies only", () => {
    const from = instructions.filter((i) => i.keyword === "FROM" || i.keyword === "ARG");
    expect(from.map((i) => i.args).join("\n")).toContain("node:20-bookworm-slim");
    const install = instructions.filter((i) => i.keyword === "RUN" && /npm ci\b/.test(i.args));
    expect(install.length).toBe(1);
    expect(install[0]!.args).toContain("--omit=dev");
  });

  it("runs as a non-root user", () => {
    const user = last("USER")?.split(":")[0];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
  });

  it("bakes no secret into the image's environment or build args", () => {
    const names = instructions
      .filter((i) => i.keyword === "ENV" || i.keyword === "ARG")
      .flatMap(variableNames);
    expect(names.filter((name) => secretLike.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["NODE_ENV", "HOST"]));
  });

  it("records the commit and build time from build args, under the names the config reads", () => {
    // Stage-scoped: an ARG declared before the final FROM is not visible in it.
    const args = runtime.filter((i) => i.keyword === "ARG").flatMap(variableNames);
    expect(args).toEqual(expect.arrayContaining(["GIT_SHA", "BUILD_TIME"]));
    const env = runtime.filter((i) => i.keyword === "ENV").map((i) => i.args);
    expect(env.join(" ")).toMatch(/\bGIT_SHA=\$\{?GIT_SHA\}?(\s|$)/);
    expect(env.join(" ")).toMatch(/\bBUILD_TIME=\$\{?BUILD_TIME\}?(\s|$)/);
    const config = readFileSync("platform/config/platform-config.ts", "utf8");
    for (const name of ["GIT_SHA", "BUILD_TIME"]) expect(config).toContain(`"${name}"`);
  });

  it("starts the service named by its command, with tsx, and stops on SIGTERM", () => {
    expect(JSON.parse(last("ENTRYPOINT") ?? "null")).toEqual(["node", "--import", "tsx"]);
    const [entry] = JSON.parse(last("CMD") ?? "[]") as string[];
    expect(entry).toBe("services/identity/main.ts");
    expect(existsSync(entry!)).toBe(true);
    expect(last("STOPSIGNAL")).toBe("SIGTERM");
  });

  it("copies sources that exist and that the ignore file lets into the context", () => {
    const allowed = ignorePatterns
      .filter((p) => p.startsWith("!"))
      .map((p) => p.slice(1).replace(/\/$/, ""));
    const sources = instructions.filter((i) => i.keyword === "COPY").flatMap(copySources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources.filter((s) => !/[*?[]/.test(s))) {
      expect(existsSync(source), source).toBe(true);
      expect(
        allowed.some((a) => source === a || source.startsWith(`${a}/`)),
        source,
      ).toBe(true);
    }
  });

  it("copies the code of every process it can run", () => {
    const sources = instructions.filter((i) => i.keyword === "COPY").flatMap(copySources);
    for (const entry of entryPoints()) {
      expect(
        sources.some((source) => entry.startsWith(`${source}/`)),
        entry,
      ).toBe(true);
    }
  });

  it("has an allow-list ignore file that keeps secrets and local state out", () => {
    expect(ignorePatterns[0]).toBe("*");
    const readmitted = ignorePatterns.filter((p) => p.startsWith("!")).join("\n");
    for (const local of [".env", ".certs", ".data", "node_modules", ".git"]) {
      expect(readmitted).not.toContain(local);
    }
    expect(ignorePatterns).toContain("**/*.test.ts");
  });
});

interface ComposeService {
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  volumes?: string[];
}

const compose = readYamlFile("deploy/compose.yaml")[0] as {
  services: Record<string, ComposeService>;
};
const built = Object.entries(compose.services).filter(([, s]) => s.build);

describe("deploy/compose.yaml", () => {
  it("builds every service and the gateway from deploy/Dockerfile with the repository as context", () => {
    const entries = built.map(([, service]) => service.command?.[0]);
    expect(entries.sort()).toEqual(entryPoints());
    for (const [, service] of built) {
      expect(join("deploy", service.build!.context)).toBe(".");
      expect(service.build!.dockerfile).toBe("deploy/Dockerfile");
    }
  });

  describe.each(built)("service %s", (name, service) => {
    const env = service.environment ?? {};

    it("runs its own entry point, listening on all interfaces", () => {
      const entry = name === "gateway" ? "gateway/main.ts" : `services/${name}/main.ts`;
      expect(service.command).toEqual([entry]);
      expect(existsSync(entry)).toBe(true);
      expect(env.HOST).toBe("0.0.0.0");
    });

    it("reports healthy only when /health/ready on its admin port says so", () => {
      const script = service.healthcheck?.test.join(" ") ?? "";
      expect(script).toContain("/health/ready");
      expect(script).toContain("process.env.ADMIN_PORT");
      expect(script).not.toContain("$"); // compose would interpolate it
      expect(Number(env.ADMIN_PORT)).toBeGreaterThan(0);
    });

    it("shares the dev certificates volume at CERTS_DIR", () => {
      expect(service.volumes).toContain(`certs:${env.CERTS_DIR}`);
    });

    it("waits longer than the drain before Docker sends SIGKILL", () => {
      const graceMs = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? "10s")?.[1]) * 1000;
      const drainMs =
        Number(env.SHUTDOWN_DELAY_MS ?? 0) + Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
      expect(graceMs).toBeGreaterThan(drainMs);
    });
  });
});
