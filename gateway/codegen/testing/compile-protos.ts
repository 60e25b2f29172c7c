import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { reconstructValidateProto } from "../../../scripts/reconstruct-validate-proto.js";

/** The repository root, where node_modules/.bin/buf and proto/ are. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * compileProtos compiles .proto sources with buf, the way `buf generate`
 * does, and returns the CodeGeneratorRequest a plugin would receive for
 * them (like protobuf-es' protoplugin-test helpers, with buf instead of
 * protoc). The sources may import anything under proto/ (google/api,
 * platform/v1), buf/validate/validate.proto and the well-known types.
 *
 * `files` maps file names (e.g. "library/v1/library.proto") to source text;
 * `generate` names the files to generate, by default all of them.
 */
export function compileProtos(
  files: Record<string, string>,
  options: { parameter?: string; generate?: readonly string[] } = {},
): CodeGeneratorRequest {
  const work = mkdtempSync(join(tmpdir(), "protoc-gen-gateway-"));
  try {
    const module = join(work, "module");
    cpSync(join(repoRoot, "proto"), module, { recursive: true });
    reconstructValidateProto(module);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(module, name)), { recursive: true });
      writeFileSync(join(module, name), text);
    }
    const image = join(work, "image.binpb");
    buf(["build", module, "--as-file-descriptor-set", "-o", image]);
    return create(CodeGeneratorRequestSchema, {
      fileToGenerate: [...(options.generate ?? Object.keys(files))],
      parameter: options.parameter ?? "",
      protoFile: fromBinary(FileDescriptorSetSchema, readFileSync(image)).file,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buf(args: string[]): void {
  try {
    execFileSync(join(repoRoot, "node_modules", ".bin", "buf"), args, { stdio: "pipe" });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`buf ${args[0]} failed:\n${stderr}`);
  }
}
