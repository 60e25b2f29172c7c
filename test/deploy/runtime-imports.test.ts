import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { followImports, type RuntimeImport, runtimeSpecifiers } from "./import-graph.js";
import { entryPoints } from "./k8s-manifests.js";
import { copySources, finalStage, parseDockerfile } from "./parse-dockerfile.js";

// The image installs `dependencies` only (`npm ci --omit=dev`) and copies a
// few folders. A runtime import of a devDependency, or of a file the image
// leaves out, crashes the process at start in production only: tests run with
// devDependencies installed and the whole tree checked out. So follow each
// process's imports statically and check them against what the image holds.

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
  dependencies?: Record<string, string>;
};
const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));

// What the shipped stage's COPY instructions take from the context (gen,
// platform, services, gateway, scripts/migrate.ts, ...), read from the
// Dockerfile so the two cannot drift apart.
const copied = [
  ...new Set(
    finalStage(parseDockerfile(readFileSync("deploy/Dockerfile", "utf8")))
      .filter((i) => i.keyword === "COPY")
      .flatMap(copySources),
  ),
];
const isCopied = (file: string) => copied.some((s) => file === s || file.startsWith(`${s}/`));

// Dev-only files inside the copied folders: tests, test helpers, benchmarks,
// and what deploy/Dockerfile.dockerignore keeps out of the context (fixtures,
// drizzle.config.ts). Production code must not need any of them.
const devOnly = /(^|\/)(testing|bench|fixtures)\/|\.test\.ts$|(^|\/)drizzle\.config\.ts$/;

// Every process the image runs: each service, the gateway, and the migrations.
const entries = [...entryPoints(), "scripts/migrate.ts"];

const describeImport = (i: RuntimeImport) => `${i.from} imports "${i.specifier}"`;

describe.each(entries)("running %s in the image", (entry) => {
  const { imports } = followImports([entry]);

  it("imports only packages listed in package.json dependencies", () => {
    const missing = imports.filter((i) => i.pkg !== undefined && !dependencies.has(i.pkg));
    expect(
      missing.map((i) => `${describeImport(i)}: ${i.pkg} is not in dependencies`),
      "npm ci --omit=dev installs only dependencies",
    ).toEqual([]);
  });

  it("reaches only files the image copies", () => {
    const unresolved = imports.filter((i) => i.pkg === undefined && i.file === undefined);
    const outside = imports.filter((i) => i.file !== undefined && !isCopied(i.file));
    expect(
      [
        ...unresolved.map((i) => `${describeImport(i)}: no such file`),
        ...outside.map((i) => `${describeImport(i)}: ${i.file} is not copied into the image`),
      ],
      `the image copies only ${copied.join(", ")}`,
    ).toEqual([]);
  });

  it("reaches no test, testing/, bench/ or other dev-only file", () => {
    const dev = imports.filter((i) => i.file !== undefined && devOnly.test(i.file));
    expect(
      dev.map((i) => `${describeImport(i)}: ${i.file} is dev-only`),
      "production code must not load test or benchmark code",
    ).toEqual([]);
  });
});

describe("the runtime import graph", () => {
  it("covers every process the image runs", () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        "services/identity/main.ts",
        "services/orders/main.ts",
        "gateway/main.ts",
        "scripts/migrate.ts",
      ]),
    );
  });

  it("is followed through index re-exports and dynamic imports to deep files", () => {
    // rpc-server.ts sits behind platform/service's index; lean-tracer.ts is
    // only loaded by start-tracing.ts's `import("./lean-tracer.js")`.
    const identity = followImports(["services/identity/main.ts"]).files;
    expect(identity).toContain("platform/rpc/rpc-server.ts");
    expect(identity).toContain("platform/tracing/lean-tracer.ts");
    expect(followImports(["gateway/main.ts"]).files.length).toBeGreaterThan(50);
  });

  it("counts runtime imports only, not types, comments or strings", () => {
    const source = [
      'import type { A } from "type-only";',
      'export type { B } from "type-only-export";',
      'import { type C } from "kept-under-verbatim-module-syntax";',
      'import { d } from "./value.js";',
      'export * from "./reexport.js";',
      'import "side-effect";',
      'const lazy = () => import("./lazy.js");',
      '// import "in-a-comment";',
      "const text = 'import \"in-a-string\"';",
      'type T = typeof import("type-query");',
    ].join("\n");
    expect(runtimeSpecifiers("example.ts", source)).toEqual([
      "kept-under-verbatim-module-syntax",
      "./value.js",
      "./reexport.js",
      "side-effect",
      "./lazy.js",
    ]);
  });
});
