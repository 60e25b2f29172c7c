import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create, createFileRegistry, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { UserSchema } from "../../gen/identity/v1/user_pb.js";
import { protocGenGateway } from "./protoc-gen-gateway.js";
import { compileProtos, repoRoot } from "./testing/compile-protos.js";

/** validatorFor compiles a document's component schemas with Ajv (JSON Schema 2020-12, as OpenAPI 3.1). */
function validatorFor(doc: { components: object }) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  // OpenAPI's format registry has these; JSON Schema leaves unknown formats to the application.
  for (const format of ["int32", "uint32", "int64", "uint64", "float", "double", "byte"]) {
    ajv.addFormat(format, true);
  }
  // The document's refs point into #/components/schemas, so that is where the schemas live here too.
  ajv.addVocabulary(["components"]);
  ajv.addSchema({ $id: "openapi", components: doc.components });
  return (name: string, value: unknown) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
    if (validate === undefined) throw new Error(`no schema ${name}`);
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

describe("OpenAPI schemas of testdata/library match ProtoJSON", () => {
  let validate: (name: string, value: unknown) => string[];
  let bookJson: (json: JsonValue) => JsonValue;

  beforeAll(() => {
    const source = readFileSync(
      join(repoRoot, "gateway/codegen/testdata/library/v1/library.proto"),
      "utf8",
    );
    const request = compileProtos(
      { "library/v1/library.proto": source },
      { parameter: "target=ts" },
    );
    const doc = JSON.parse(
      protocGenGateway.run(request).file.find((f) => f.name === "openapi.json")!.content,
    );
    validate = validatorFor(doc);
    const registry = createFileRegistry(
      create(FileDescriptorSetSchema, { file: request.protoFile }),
    );
    const book = registry.getMessage("library.v1.Book")!;
    // Parse then print, so the JSON is exactly what the gateway would write.
    bookJson = (json) =>
      toJson(book, fromJson(book, json, { registry }), { registry, useProtoFieldName: true });
  });

  it("accepts a book with every kind of field, as the gateway prints it", () => {
    const json = bookJson({
      name: "shelves/1/books/2",
      title: "Dune",
      isbn: "9780441172719",
      author: { name: "Frank Herbert", email: "frank@example.com" },
      genre: "GENRE_FICTION",
      tags: ["classic", "desert"],
      wordCount: "188000",
      catalogNumber: "18446744073709551615",
      rating: 4.5,
      weightKg: 0.5,
      coverThumbnail: "AAEC",
      available: true,
      createTime: "2024-01-15T10:30:00Z",
      readingTime: "3600.500s",
      subtitle: "",
      printRun: "1000",
      metadata: { award: "Hugo", year: 1966 },
      extra: [1, "x", null],
      keywords: ["spice", 7],
      details: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "1s" },
      ratingsBySource: { goodreads: 4 },
      paperback: { pages: 412 },
      prequel: { title: "Dune Messiah" },
      edition: 1,
      secretCode: "x",
    });
    expect(json).toMatchObject({ word_count: "188000", ratings_by_source: { goodreads: 4 } });
    expect(validate("library.v1.Book", json)).toEqual([]);
  });

  it("rejects what protovalidate rejects, where JSON Schema can say it", () => {
    const json = bookJson({ title: "", isbn: "12", rating: 6, tags: ["a", "a"], edition: 0 });
    expect(validate("library.v1.Book", { ...(json as object), title: "", edition: 0 })).toEqual([
      "/title must NOT have fewer than 1 characters",
      '/isbn must match pattern "^97[89][0-9]{10}$"',
      "/tags must NOT have duplicate items (items ## 1 and 0 are identical)",
      "/rating must be <= 5",
      "/edition must be > 0",
    ]);
  });
});

describe("gen/openapi.json matches ProtoJSON of the identity service", () => {
  const doc = JSON.parse(readFileSync(join(repoRoot, "gen/openapi.json"), "utf8"));
  const validate = validatorFor(doc);

  it("describes a user as the gateway prints it", () => {
    const user = create(UserSchema, {
      userId: "0190e0c4-0d7a-7c8e-9a4b-3f1c2d5e6f70",
      email: "ada@example.com",
      displayName: "Ada",
      createTime: timestampFromDate(new Date("2024-01-15T10:30:00Z")),
      version: 3n,
    });
    const json = toJson(UserSchema, user, { useProtoFieldName: true });
    expect(json).toMatchObject({ user_id: user.userId, version: "3" });
    expect(validate("identity.v1.User", json)).toEqual([]);
  });

  it("requires what CreateUser requires", () => {
    expect(validate("identity.v1.CreateUserRequest", { email: "not an email" })).toEqual([
      " must have required property 'display_name'",
      '/email must match format "email"',
    ]);
  });
});
