/**
 * buf-breaking: `buf breaking` against a git ref (default `main`, or
 * BUF_BREAKING_AGAINST). buf's own `.git#branch=main` input cannot build the
 * old protos on a fresh clone, because protovalidate's validate.proto is
 * reconstructed at generate time and is not in git. So: export the ref's
 * protos with `git archive`, add today's reconstructed dependency, build an
 * image, and compare against that.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reconstructValidateProto } from "./reconstruct-validate-proto.js";

const ref = process.env.BUF_BREAKING_AGAINST ?? "main";
const buf = join(process.cwd(), "node_modules", ".bin", "buf");
const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();

function refHasProtos(): boolean {
  try {
    return git("ls-tree", "--name-only", ref, "proto/") !== "";
  } catch {
    return false;
  }
}

if (!refHasProtos()) {
  console.log(`buf breaking: ${ref} has no proto/ yet; nothing to compare against`);
  process.exit(0);
}
reconstructValidateProto();
const dir = mkdtempSync(join(tmpdir(), "buf-against-"));
try {
  execFileSync("sh", ["-c", `git archive ${ref} buf.yaml proto test/proto | tar -x -C ${dir}`]);
  cpSync(".proto-deps", join(dir, ".proto-deps"), { recursive: true });
  if (!existsSync(join(dir, "test/proto")))
    cpSync("test/proto", join(dir, "test/proto"), { recursive: true });
  // Compare image to image: a multi-module workspace can't be compared to
  // one image. validate.proto is the same file on both sides.
  const against = join(dir, "against.binpb");
  const current = join(dir, "current.binpb");
  execFileSync(buf, ["build", dir, "-o", against], { stdio: "inherit" });
  execFileSync(buf, ["build", ".", "-o", current], { stdio: "inherit" });
  execFileSync(
    buf,
    [
      "breaking",
      current,
      "--against",
      against,
      "--config",
      '{"version":"v2","breaking":{"use":["FILE"]}}',
    ],
    { stdio: "inherit" },
  );
  console.log(
    `buf breaking: no breaking changes against ${ref} (${git("rev-parse", "--short", ref)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
