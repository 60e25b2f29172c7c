import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { beforeAll, describe, expect, it } from "vitest";
import { protocGenGateway } from "./protoc-gen-gateway.js";
import { compileProtos, repoRoot } from "./testing/compile-protos.js";

const testdata = join(repoRoot, "gateway/codegen/testdata");
const parameter = "target=ts,import_extension=js";

/** Golden files end in .golden so that neither tsc nor biome treats them as sources. */
function expectGolden(response: CodeGeneratorResponse, name: string): void {
  const file = response.file.find((f) => f.name === name);
  expect(file, `${name} was generated`).toBeDefined();
  const golden = join(testdata, "golden", `${name.replaceAll("/", "_")}.golden`);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, file!.content);
  expect(file!.content).toBe(readFileSync(golden, "utf8"));
}

function generatedJson(response: CodeGeneratorResponse, name: string): object {
  return JSON.parse(response.file.find((f) => f.name === name)!.content);
}

describe("protoc-gen-gateway on testdata/library/v1/library.proto", () => {
  let response: CodeGeneratorResponse;
  beforeAll(() => {
    const source = readFileSync(join(testdata, "library/v1/library.proto"), "utf8");
    response = protocGenGateway.run(
      compileProtos({ "library/v1/library.proto": source }, { parameter }),
    );
  });

  it("writes exactly the route table and the OpenAPI document", () => {
    expect(response.file.map((f) => f.name)).toEqual(["gateway/routes.ts", "openapi.json"]);
  });

  it("writes the route table in testdata/golden", () => {
    expectGolden(response, "gateway/routes.ts");
  });

  it("writes the OpenAPI document in testdata/golden", () => {
    expectGolden(response, "openapi.json");
  });

  it("writes an OpenAPI 3.1 document that swagger-parser validates", async () => {
    await expect(
      SwaggerParser.validate(generatedJson(response, "openapi.json") as never),
    ).resolves.toBeDefined();
  });
});

describe("protoc-gen-gateway on the contract", () => {
  it("writes nothing for protos without HTTP rules, like the interop service", () => {
    const source = readFileSync(join(repoRoot, "test/proto/interop/v1/interop.proto"), "utf8");
    const request = compileProtos({ "interop/v1/interop.proto": source }, { parameter });
    expect(protocGenGateway.run(request).file).toEqual([]);
  });

  it("wrote gen/openapi.json as a valid OpenAPI 3.1 document", async () => {
    const doc = JSON.parse(readFileSync(join(repoRoot, "gen/openapi.json"), "utf8"));
    expect(doc.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(doc)).resolves.toBeDefined();
  });

  it("wrote gen/gateway/routes.ts and gen/openapi.json from proto/ as it is now", () => {
    // Every file of proto/, as buf generate passes them (compileProtos copies proto/ already).
    const contract = readdirSync(join(repoRoot, "proto"), { recursive: true, encoding: "utf8" });
    const generate = contract.filter((name) => name.endsWith(".proto"));
    const response = protocGenGateway.run(compileProtos({}, { parameter, generate }));
    for (const [name, committed] of [
      ["gateway/routes.ts", "gen/gateway/routes.ts"],
      ["openapi.json", "gen/openapi.json"],
    ] as const) {
      const generated = response.file.find((f) => f.name === name)?.content;
      expect(generated, `${committed} is stale: run npm run generate`).toBe(
        readFileSync(join(repoRoot, committed), "utf8"),
      );
    }
  });

  it("refuses JavaScript targets, which would lose openapi.json", () => {
    const request = compileProtos({}, { parameter: "target=js" });
    expect(() => protocGenGateway.run(request)).toThrow(/set the option target=ts/);
  });

  it("refuses unknown options", () => {
    const request = compileProtos({}, { parameter: "target=ts,titel=x" });
    expect(() => protocGenGateway.run(request)).toThrow(/unknown or empty option "titel"/);
  });
});
