import type { CodeGeneratorRequest, CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { beforeAll } from "vitest";
import { protocGenGateway } from "../protoc-gen-gateway.js";
import { compileProtos } from "./compile-protos.js";

/**
 * generateCases compiles one proto file per case, `<dir>/<name>.proto`, in
 * one buf build before the suite's tests (call it inside `describe`), and
 * returns how to run protoc-gen-gateway on one of them: a thunk, so tests
 * can expect it to throw.
 */
export function generateCases(
  dir: string,
  cases: Record<string, string>,
  protoFile: (name: string, body: string) => string,
): (name: string) => () => CodeGeneratorResponse {
  let request: CodeGeneratorRequest | undefined;
  beforeAll(() => {
    const files = Object.entries(cases).map(([name, body]) => [
      `${dir}/${name}.proto`,
      protoFile(name, body),
    ]);
    request = compileProtos(Object.fromEntries(files), {
      parameter: "target=ts,import_extension=js",
    });
  });
  return (name) => () =>
    protocGenGateway.run({ ...request!, fileToGenerate: [`${dir}/${name}.proto`] });
}
