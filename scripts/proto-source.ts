/**
 * Prints a `FileDescriptorProto` back to .proto source text, so we can recover
 * `buf/validate/validate.proto` from the descriptor `@bufbuild/protovalidate`
 * embeds (the buf registry is unreachable). The goal is that recompiling yields
 * the same descriptor; comments and formatting are not in the descriptor anyway.
 */
import type {
  DescEnum,
  DescExtension,
  DescField,
  DescMessage,
  Message,
  Registry,
} from "@bufbuild/protobuf";
import { createRegistry, getExtension, isFieldSet, ScalarType } from "@bufbuild/protobuf";
import { protoCamelCase, reflect } from "@bufbuild/protobuf/reflect";
import { toText } from "@bufbuild/protobuf/txtpb";
import * as wkt from "@bufbuild/protobuf/wkt";

type Field = wkt.FieldDescriptorProto;
type Msg = wkt.DescriptorProto;
const { FieldDescriptorProto_Label: Label, FieldDescriptorProto_Type: Type } = wkt;
const FIELD = wkt.FieldDescriptorProtoSchema.field;

/** Largest field number; `to max` reads better and survives a compiler's own max. */
const MAX_FIELD = 536_870_911;

interface Ctx {
  syntax: "proto2" | "proto3" | "editions";
  edition: wkt.Edition;
  registry: Registry;
}

/**
 * Prints `file` as .proto source. Custom options are stored as unknown fields
 * on the options messages, so `registry` must contain every extension used as
 * an option (e.g. `createRegistry(file_buf_validate_validate)`); an option
 * that cannot be resolved throws rather than being silently dropped.
 * Type names are printed fully qualified (leading dot), so no scoping rules apply.
 * Maps, groups and services are not supported (validate.proto has none): they
 * throw instead of printing something that compiles to a different schema.
 */
export function printProtoSource(
  file: wkt.FileDescriptorProto,
  registry = createRegistry(),
): string {
  if (file.service.length > 0) throw new Error(`${file.name}: services are not supported`);
  const syntax = file.syntax === "proto3" || file.syntax === "editions" ? file.syntax : "proto2";
  const ctx: Ctx = { syntax, edition: file.edition, registry };
  const parts = blocks(
    [printSyntax(ctx), ...(file.package ? [`package ${file.package};`] : [])],
    printImports(file),
    statementOptions(wkt.FileOptionsSchema, file.options, ctx),
    ...file.enumType.map((e) => printEnum(e, ctx)),
    ...file.messageType.map((m) => printMessage(m, ctx)),
    ...printExtends(file.extension, ctx),
  );
  return parts.join("\n") + "\n";
}

function printSyntax(ctx: Ctx): string {
  if (ctx.syntax !== "editions") return `syntax = "${ctx.syntax}";`;
  return `edition = "${wkt.Edition[ctx.edition].replace(/^EDITION_/, "")}";`;
}

function printImports(file: wkt.FileDescriptorProto): string[] {
  const kind = (i: number) =>
    file.publicDependency.includes(i) ? "public " : file.weakDependency.includes(i) ? "weak " : "";
  const imports = file.dependency.map((dep, i) => `import ${kind(i)}${quote(dep)};`);
  return [...imports, ...file.optionDependency.map((dep) => `import option ${quote(dep)};`)];
}

/** Joins non-empty groups of lines with a blank line between them. */
function blocks(...groups: string[][]): string[] {
  return groups.filter((g) => g.length > 0).flatMap((g, i) => (i === 0 ? g : ["", ...g]));
}

/** Indents lines; option values may span several lines, so inner newlines are indented too. */
function indent(lines: string[]): string[] {
  return lines.map((line) => (line === "" ? line : "  " + line.replaceAll("\n", "\n  ")));
}

function printMessage(msg: Msg, ctx: Ctx): string[] {
  if (msg.options?.mapEntry) throw new Error(`map entry ${msg.name} is not supported`);
  // Message reserved ranges have an exclusive end.
  const reserved = msg.reservedRange.map((r) => range(r.start, r.end - 1, MAX_FIELD));
  const body = blocks(
    statementOptions(wkt.MessageOptionsSchema, msg.options, ctx),
    printMembers(msg, ctx),
    ...msg.nestedType.map((n) => printMessage(n, ctx)),
    ...msg.enumType.map((e) => printEnum(e, ctx)),
    ...printExtends(msg.extension, ctx),
    msg.extensionRange.map((r) => {
      const opts = optionEntries(wkt.ExtensionRangeOptionsSchema, r.options, ctx);
      return `extensions ${range(r.start, r.end - 1, MAX_FIELD)}${compactOptions(opts)};`;
    }),
    printReserved(reserved, msg.reservedName, ctx),
  );
  return [`message ${msg.name} {`, ...indent(body), "}"];
}

/** Fields in declaration order; members of a oneof are printed together inside its block. */
function printMembers(msg: Msg, ctx: Ctx): string[] {
  const lines: string[] = [];
  const printed = new Set<number>();
  for (const field of msg.field) {
    const oneof = realOneof(field);
    if (oneof === undefined) lines.push(printField(field, ctx, labelOf(field, ctx)));
    else if (!printed.has(oneof)) {
      printed.add(oneof);
      lines.push(...printOneof(msg, oneof, ctx));
    }
  }
  return lines;
}

/** The oneof a field was declared in; proto3 `optional` fields sit in a synthetic one instead. */
function realOneof(field: Field): number | undefined {
  const set = isFieldSet(field, FIELD.oneofIndex);
  return set && !field.proto3Optional ? field.oneofIndex : undefined;
}

function printOneof(msg: Msg, index: number, ctx: Ctx): string[] {
  const members = msg.field.filter((f) => realOneof(f) === index);
  const body = [
    ...statementOptions(wkt.OneofOptionsSchema, msg.oneofDecl[index]?.options, ctx),
    ...members.map((f) => printField(f, ctx, "")),
  ];
  return [`oneof ${msg.oneofDecl[index]?.name} {`, ...indent(body), "}"];
}

/** The label keyword (with trailing space) as the file's syntax spells it. */
function labelOf(field: Field, ctx: Ctx): string {
  if (field.label === Label.REPEATED) return "repeated ";
  if (field.label === Label.REQUIRED) return "required ";
  if (ctx.syntax === "proto2" || field.proto3Optional) return "optional ";
  return "";
}

function printField(field: Field, ctx: Ctx, label: string): string {
  const opts = fieldOptions(field, ctx);
  return `${label}${typeOf(field)} ${field.name} = ${field.number}${compactOptions(opts)};`;
}

function typeOf(field: Field): string {
  if (field.type === Type.GROUP) throw new Error(`group field ${field.name} is not supported`);
  const named = field.type === Type.MESSAGE || field.type === Type.ENUM;
  return named ? field.typeName : Type[field.type].toLowerCase();
}

/** `default` and `json_name` live on the descriptor itself but are written as field options. */
function fieldOptions(field: Field, ctx: Ctx): string[] {
  const out: string[] = [];
  if (isFieldSet(field, FIELD.defaultValue)) out.push(`default = ${printDefault(field)}`);
  // Compilers always fill json_name in; only a custom one was written in the source
  // (and extensions may not declare one).
  const custom = isFieldSet(field, FIELD.jsonName) && field.jsonName !== protoCamelCase(field.name);
  if (custom && !field.extendee) out.push(`json_name = ${quote(field.jsonName)}`);
  return [...out, ...optionEntries(wkt.FieldOptionsSchema, field.options, ctx)];
}

/** default_value is stored as text: raw for strings, already C-escaped for bytes. */
function printDefault(field: Field): string {
  if (field.type === Type.STRING) return quote(field.defaultValue);
  if (field.type === Type.BYTES) return `"${field.defaultValue}"`;
  return field.defaultValue;
}

/** Consecutive extensions of the same extendee share one `extend` block. */
function printExtends(extensions: Field[], ctx: Ctx): string[][] {
  const groups: Field[][] = [];
  for (const ext of extensions) {
    const last = groups.at(-1);
    if (last?.[0]?.extendee === ext.extendee) last.push(ext);
    else groups.push([ext]);
  }
  const print = (ext: Field) => printField(ext, ctx, labelOf(ext, ctx));
  return groups.map((g) => [`extend ${g[0]?.extendee} {`, ...indent(g.map(print)), "}"]);
}

function printEnum(e: wkt.EnumDescriptorProto, ctx: Ctx): string[] {
  // Unlike message reserved ranges, enum reserved ranges have an inclusive end.
  const reserved = e.reservedRange.map((r) => range(r.start, r.end, 2_147_483_647));
  const body = [
    ...statementOptions(wkt.EnumOptionsSchema, e.options, ctx),
    ...e.value.map((v) => {
      const opts = optionEntries(wkt.EnumValueOptionsSchema, v.options, ctx);
      return `${v.name} = ${v.number}${compactOptions(opts)};`;
    }),
    ...printReserved(reserved, e.reservedName, ctx),
  ];
  return [`enum ${e.name} {`, ...indent(body), "}"];
}

function printReserved(ranges: string[], names: string[], ctx: Ctx): string[] {
  // Edition 2024 writes reserved names as identifiers; earlier syntaxes quote them.
  const bare = ctx.syntax === "editions" && ctx.edition >= wkt.Edition.EDITION_2024;
  const out: string[] = [];
  if (ranges.length > 0) out.push(`reserved ${ranges.join(", ")};`);
  if (names.length > 0) out.push(`reserved ${names.map((n) => (bare ? n : quote(n))).join(", ")};`);
  return out;
}

function range(start: number, endInclusive: number, max: number): string {
  if (start === endInclusive) return `${start}`;
  return `${start} to ${endInclusive >= max ? "max" : endInclusive}`;
}

function statementOptions(schema: DescMessage, options: Message | undefined, ctx: Ctx): string[] {
  return optionEntries(schema, options, ctx).map((entry) => `option ${entry};`);
}

function compactOptions(entries: string[]): string {
  return entries.length > 0 ? ` [${entries.join(", ")}]` : "";
}

/**
 * Every set option as `name = value`: regular fields first, then extensions
 * (custom options), which the descriptor carries as unknown fields.
 */
function optionEntries(schema: DescMessage, options: Message | undefined, ctx: Ctx): string[] {
  if (!options) return [];
  const msg = reflect(schema, options);
  const entries: string[] = [];
  for (const field of msg.fields) {
    if (field.name === "uninterpreted_option" || !msg.isSet(field)) continue;
    const value = (options as unknown as Record<string, unknown>)[field.localName];
    // Features are set one by one (`features.field_presence = ...`), not as an aggregate.
    if (field.name === "features" && field.message) {
      const features = optionEntries(field.message, value as Message, ctx);
      entries.push(...features.map((e) => `features.${e}`));
    } else entries.push(...assignments(field.name, field, value, ctx));
  }
  for (const ext of extensionsIn(schema, options, ctx.registry)) {
    entries.push(...assignments(`(.${ext.typeName})`, ext, getExtension(options, ext), ctx));
  }
  return entries;
}

function extensionsIn(schema: DescMessage, options: Message, registry: Registry): DescExtension[] {
  const numbers = [...new Set((options.$unknown ?? []).map((u) => u.no))];
  return numbers.map((no) => {
    const ext = registry.getExtensionFor(schema, no);
    if (ext) return ext;
    throw new Error(`cannot print option ${no} of ${schema.typeName}: extension not in registry`);
  });
}

/** A repeated option is written once per element, which appends in order. */
function assignments(name: string, field: DescField | DescExtension, value: unknown, ctx: Ctx) {
  if (field.fieldKind === "map") throw new Error(`map option ${name} is not supported`);
  const values = field.fieldKind === "list" ? (value as unknown[]) : [value];
  return values.map((v) => `${name} = ${printValue(field, v, ctx)}`);
}

function printValue(field: DescField | DescExtension, value: unknown, ctx: Ctx): string {
  const f = field as { message?: DescMessage; enum?: DescEnum; scalar?: ScalarType };
  if (f.message) {
    // Aggregate values use the text format, which resolves nested extensions via the registry.
    const text = toText(f.message, value as Message, { registry: ctx.registry }).trimEnd();
    return text ? `{\n${indent(text.split("\n")).join("\n")}\n}` : "{}";
  }
  if (f.enum) return f.enum.values.find((v) => v.number === value)?.name ?? String(value);
  return printScalar(f.scalar ?? ScalarType.STRING, value);
}

function printScalar(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return quote(value as string);
    case ScalarType.BYTES:
      return quoteBytes(value as Uint8Array);
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      const n = value as number;
      return Number.isNaN(n) ? "nan" : Number.isFinite(n) ? String(n) : n > 0 ? "inf" : "-inf";
    }
    default:
      return String(value);
  }
}

/**
 * A double-quoted string literal. JSON's escapes (`\"`, `\\`, `\n`, `\uXXXX`, ...)
 * are a subset of what the .proto tokenizer and the text format accept, and
 * non-ASCII stays raw UTF-8, so JSON.stringify is exact here.
 */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** Bytes are not text: printable ASCII stays, every other byte becomes `\xHH`. */
function quoteBytes(bytes: Uint8Array): string {
  const printable = (b: number) => b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c;
  const escapeByte = (b: number) =>
    printable(b) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return `"${Array.from(bytes, escapeByte).join("")}"`;
}
