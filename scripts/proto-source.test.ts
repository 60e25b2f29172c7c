import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  clearField,
  clone,
  create,
  createFileRegistry,
  createRegistry,
  equals,
  type FileRegistry,
  fromBinary,
  getExtension,
  hasExtension,
  isFieldSet,
  toBinary,
} from "@bufbuild/protobuf";
import { toText } from "@bufbuild/protobuf/txtpb";
import {
  type DescriptorProto,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import {
  file_buf_validate_validate,
  predefined,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printProtoSource } from "./proto-source.js";
import { reconstructValidateProto, VALIDATE_PROTO_PATH } from "./reconstruct-validate-proto.js";

const FIELD = FieldDescriptorProtoSchema.field;
const BUF = fileURLToPath(new URL("../node_modules/.bin/buf", import.meta.url));
const registry = createRegistry(file_buf_validate_validate);
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "proto-source-"));
  tempDirs.push(dir);
  return dir;
}

interface Compiled {
  file: FileDescriptorProto;
  /** Every file of the image, to resolve custom options declared in it. */
  registry: FileRegistry;
}

/** Compiles a module dir with buf (offline; WKTs are built in) and returns one file of the image. */
function compile(moduleDir: string, path: string): Compiled {
  writeFileSync(join(moduleDir, "buf.yaml"), "version: v2\n");
  const image = join(dirname(moduleDir), "image.binpb");
  execFileSync(BUF, ["build", moduleDir, "-o", image], { stdio: "pipe" });
  // A buf image is wire-compatible with google.protobuf.FileDescriptorSet.
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(image));
  const file = set.file.find((f) => f.name === path);
  if (!file) throw new Error(`${path} missing from image`);
  return { file, registry: createFileRegistry(set) };
}

function compileSource(path: string, source: string): Compiled {
  const moduleDir = join(tempDir(), "module");
  mkdirSync(dirname(join(moduleDir, path)), { recursive: true });
  writeFileSync(join(moduleDir, path), source);
  return compile(moduleDir, path);
}

/** Every field and extension, with the name of its enclosing message ("" at file level). */
function allFields(file: FileDescriptorProto): [string, FieldDescriptorProto][] {
  const out: [string, FieldDescriptorProto][] = file.extension.map((f) => ["", f]);
  const visit = (m: DescriptorProto): void => {
    for (const f of [...m.field, ...m.extension]) out.push([m.name, f]);
    m.nestedType.forEach(visit);
  };
  file.messageType.forEach(visit);
  return out;
}

/** Drops what the compiler adds on its own: json_name, source info, buf's image extension. */
function normalize(file: FileDescriptorProto): FileDescriptorProto {
  const copy = clone(FileDescriptorProtoSchema, file);
  copy.sourceCodeInfo = undefined;
  copy.$unknown = undefined;
  if (copy.syntax === "proto2") copy.syntax = "";
  for (const [, f] of allFields(copy)) clearField(f, FIELD.jsonName);
  return copy;
}

/** The schema-relevant shape of every field, for a readable diff. */
function fieldSummary(file: FileDescriptorProto): string[] {
  return allFields(file).map(([scope, f]) => {
    const oneof = isFieldSet(f, FIELD.oneofIndex) ? f.oneofIndex : "-";
    const dflt = isFieldSet(f, FIELD.defaultValue) ? f.defaultValue : "-";
    return `${scope}.${f.name}=${f.number} ${Label[f.label]} ${Type[f.type]} ${f.typeName} oneof=${oneof} default=${dflt} extendee=${f.extendee}`;
  });
}

function predefinedRuleIds(file: FileDescriptorProto): string[] {
  return allFields(file).flatMap(([scope, f]) =>
    f.options && hasExtension(f.options, predefined)
      ? getExtension(f.options, predefined).cel.map((rule) => `${scope}.${f.name}:${rule.id}`)
      : [],
  );
}

describe("reconstructValidateProto", () => {
  const embedded = file_buf_validate_validate.proto;
  let source: string;
  let recompiled: FileDescriptorProto;

  beforeAll(() => {
    const moduleDir = join(tempDir(), "module");
    source = readFileSync(reconstructValidateProto(moduleDir), "utf8");
    recompiled = compile(moduleDir, VALIDATE_PROTO_PATH).file;
  });

  it("writes the header and proto2 source", () => {
    expect(source).toMatch(
      /^\/\/ Reconstructed at generate time from the descriptor embedded in @bufbuild\/protovalidate \d+\.\d+\.\d+\. Not committed; do not edit\.\n/,
    );
    expect(source).toContain('syntax = "proto2";');
    expect(source).toContain("extend .google.protobuf.FieldOptions {");
  });

  it("recompiles to the same messages, fields, enums and extensions", () => {
    expect(recompiled.dependency).toEqual(embedded.dependency);
    expect(recompiled.messageType.map((m) => m.name)).toEqual(
      embedded.messageType.map((m) => m.name),
    );
    expect(fieldSummary(recompiled)).toEqual(fieldSummary(embedded));
    const enums = (f: FileDescriptorProto) =>
      f.enumType.map((e) => [e.name, e.value.map((v) => [v.name, v.number])]);
    expect(enums(recompiled)).toEqual(enums(embedded));
  });

  it("round-trips every option, including the predefined CEL rules", () => {
    const ids = predefinedRuleIds(embedded);
    expect(ids.length).toBeGreaterThan(100);
    expect(predefinedRuleIds(recompiled)).toEqual(ids);
    const [a, b] = [normalize(recompiled), normalize(embedded)];
    // Text first for a readable diff, then the exact checks.
    expect(toText(FileDescriptorProtoSchema, a, { registry })).toBe(
      toText(FileDescriptorProtoSchema, b, { registry }),
    );
    expect(
      equals(FileDescriptorProtoSchema, a, b, { registry, extensions: true, unknown: true }),
    ).toBe(true);
    expect(toBinary(FileDescriptorProtoSchema, a)).toEqual(toBinary(FileDescriptorProtoSchema, b));
  });
});

describe("printProtoSource", () => {
  // A quote, a backslash, a newline, a control character and non-ASCII text.
  const tricky = 'say "hi"\\\nbye\u0001 é';
  const handMade = create(FileDescriptorProtoSchema, {
    name: "demo/v1/demo.proto",
    package: "demo.v1",
    dependency: ["google/protobuf/descriptor.proto"],
    messageType: [
      {
        name: "Greeting",
        field: [
          {
            name: "text",
            number: 1,
            label: Label.OPTIONAL,
            type: Type.STRING,
            defaultValue: tricky,
          },
          {
            name: "mood",
            number: 2,
            label: Label.OPTIONAL,
            type: Type.ENUM,
            typeName: ".demo.v1.Mood",
          },
          {
            name: "tags",
            number: 3,
            label: Label.REPEATED,
            type: Type.INT32,
            options: { packed: false },
          },
        ],
        extensionRange: [{ start: 100, end: 536_870_912 }],
      },
    ],
    enumType: [
      {
        name: "Mood",
        value: [
          { name: "MOOD_UNSPECIFIED", number: 0 },
          { name: "MOOD_HAPPY", number: 1, options: { deprecated: true } },
        ],
      },
    ],
    extension: [
      {
        name: "shout",
        number: 50_000,
        label: Label.OPTIONAL,
        type: Type.BOOL,
        extendee: ".google.protobuf.FieldOptions",
      },
    ],
  });

  it("prints messages, defaults, enums and extensions as .proto text", () => {
    expect(printProtoSource(handMade)).toBe(
      [
        'syntax = "proto2";',
        "package demo.v1;",
        "",
        'import "google/protobuf/descriptor.proto";',
        "",
        "enum Mood {",
        "  MOOD_UNSPECIFIED = 0;",
        "  MOOD_HAPPY = 1 [deprecated = true];",
        "}",
        "",
        "message Greeting {",
        '  optional string text = 1 [default = "say \\"hi\\"\\\\\\nbye\\u0001 é"];',
        "  optional .demo.v1.Mood mood = 2;",
        "  repeated int32 tags = 3 [packed = false];",
        "",
        "  extensions 100 to max;",
        "}",
        "",
        "extend .google.protobuf.FieldOptions {",
        "  optional bool shout = 50000;",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("escapes defaults so that buf compiles them back to the same value", () => {
    const compiled = compileSource(handMade.name, printProtoSource(handMade)).file;
    expect(compiled.messageType[0]?.field[0]?.defaultValue).toBe(tricky);
    expect(toBinary(FileDescriptorProtoSchema, normalize(compiled))).toEqual(
      toBinary(FileDescriptorProtoSchema, normalize(handMade)),
    );
  });

  // Sources buf compiles first; printing that descriptor must compile back to the same one.
  const proto3 = `syntax = "proto3";
package demo.v3;
import "google/protobuf/descriptor.proto";
message Item {
  optional string name = 1 [json_name = "title"];
  repeated int64 ids = 2 [packed = false];
  oneof kind { string a = 3; Item.Nested b = 4; }
  message Nested { enum Color { COLOR_UNSPECIFIED = 0; RED = 1 [deprecated = true]; reserved 5 to max; } }
  reserved 10 to 20, 30;
  reserved "old";
}
extend google.protobuf.MessageOptions { Item rule = 50001; }
message Tagged { option (demo.v3.rule) = { name: "x\\\\y \\"q\\"" ids: [1, 2] }; }
`;
  const editions = `edition = "2023";
package demo.ed;
option features.field_presence = IMPLICIT;
message M {
  string a = 1 [features.field_presence = EXPLICIT];
  repeated int32 b = 2 [features.repeated_field_encoding = EXPANDED];
}
enum E { option features.enum_type = CLOSED; E_A = 0; E_B = 1; }
`;

  it.each([
    ["demo/v3/item.proto", proto3],
    ["demo/ed/m.proto", editions],
  ])("round-trips %s through buf", (path, source) => {
    const first = compileSource(path, source);
    const printed = printProtoSource(first.file, first.registry);
    const second = compileSource(path, printed).file;
    expect(toText(FileDescriptorProtoSchema, normalize(second), { registry: first.registry })).toBe(
      toText(FileDescriptorProtoSchema, normalize(first.file), { registry: first.registry }),
    );
    expect(toBinary(FileDescriptorProtoSchema, normalize(second))).toEqual(
      toBinary(FileDescriptorProtoSchema, normalize(first.file)),
    );
    if (path === "demo/v3/item.proto")
      expect(second.messageType[0]?.field[0]?.jsonName).toBe("title");
  });
});
