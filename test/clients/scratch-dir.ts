import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * Generated clients are written inside the repository, not the OS temp dir,
 * so their imports (`@bufbuild/protobuf`, `openapi-fetch`) resolve from our
 * node_modules as they would in a client project. The folder is gitignored;
 * TypeScript's `include` globs skip dot-folders, so `tsc -p .` ignores it.
 */
const SCRATCH_ROOT = resolve("test/clients/.generated");

/** ScratchDir is a fresh folder under test/clients/.generated/. */
export interface ScratchDir {
  readonly path: string;
  remove(): void;
}

/** createScratchDir makes a fresh folder for one test file's generated code. */
export function createScratchDir(prefix: string): ScratchDir {
  mkdirSync(SCRATCH_ROOT, { recursive: true });
  const path = mkdtempSync(join(SCRATCH_ROOT, `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
