/**
 * generate: rebuilds everything under gen/ from proto/ with local plugins
 * only. protovalidate's validate.proto is reconstructed first from the
 * descriptor its npm package embeds (no schema registry is reachable).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { reconstructValidateProto } from "./reconstruct-validate-proto.js";

const bin = join(process.cwd(), "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };

reconstructValidateProto();
// gen/ is wholly generated: start clean so deleted protos leave no files behind.
rmSync("gen", { recursive: true, force: true });
execFileSync(join(bin, "buf"), ["generate"], { stdio: "inherit", env });
console.log("generated gen/ from proto/");
