/**
 * Writes `buf/validate/validate.proto` from the descriptor embedded in
 * `@bufbuild/protovalidate`, so our protos can import it without reaching the
 * buf registry. The output folder (default `.proto-deps`) is gitignored and
 * compiled by buf as a second module.
 *
 * Usage: `npx tsx scripts/reconstruct-validate-proto.ts [outDir]`
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRegistry } from "@bufbuild/protobuf";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { printProtoSource } from "./proto-source.js";

/** Path of the reconstructed file, relative to the output folder. */
export const VALIDATE_PROTO_PATH = "buf/validate/validate.proto";

/**
 * Reconstructs validate.proto into `<outDir>/buf/validate/validate.proto` and
 * returns the written path.
 */
export function reconstructValidateProto(outDir = ".proto-deps"): string {
  const file = file_buf_validate_validate;
  // The registry resolves validate.proto's own custom options, e.g. (buf.validate.predefined).
  const source = printProtoSource(file.proto, createRegistry(file));
  const header =
    `// Reconstructed at generate time from the descriptor embedded in ` +
    `@bufbuild/protovalidate ${protovalidateVersion()}. Not committed; do not edit.\n\n`;
  const target = join(outDir, VALIDATE_PROTO_PATH);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, header + source);
  return target;
}

/** The installed version; package.json is not in the package's exports, so we locate it from the entry point. */
function protovalidateVersion(): string {
  const entry = import.meta.resolve("@bufbuild/protovalidate"); // .../dist/esm/index.js
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", entry), "utf8"));
  return String(pkg.version);
}

function isMain(): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  const written = reconstructValidateProto(process.argv[2]);
  console.log(`wrote ${written}`);
}
