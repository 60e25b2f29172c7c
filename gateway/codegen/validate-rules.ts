import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { getOption, hasOption, isFieldSet } from "@bufbuild/protobuf";
import {
  type DoubleRules,
  DoubleRulesSchema,
  type FieldRules,
  type Fixed32Rules,
  Fixed32RulesSchema,
  type FloatRules,
  FloatRulesSchema,
  field as fieldRulesExtension,
  Ignore,
  type Int32Rules,
  Int32RulesSchema,
  MapRulesSchema,
  RepeatedRulesSchema,
  type SFixed32Rules,
  SFixed32RulesSchema,
  type SInt32Rules,
  SInt32RulesSchema,
  type StringRules,
  StringRulesSchema,
  type UInt32Rules,
  UInt32RulesSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import type { JsonSchema } from "./openapi-schema.js";

/**
 * getFieldRules returns the field's protovalidate rules
 * (`(buf.validate.field)`), or undefined when it has none or they are
 * switched off with `ignore = IGNORE_ALWAYS`.
 */
export function getFieldRules(field: DescField): FieldRules | undefined {
  if (!hasOption(field, fieldRulesExtension)) return undefined;
  const rules = getOption(field, fieldRulesExtension);
  return rules.ignore === Ignore.ALWAYS ? undefined : rules;
}

/**
 * valueKeywords translates the rules on one value (a singular field, or the
 * items of a repeated field or the values of a map) into the JSON Schema
 * keywords that say the same thing. Rules without a direct equivalent (CEL,
 * prefix, byte lengths, bounds on 64-bit integers, which are JSON strings)
 * stay server-side only.
 */
export function valueKeywords(rules: FieldRules | undefined): JsonSchema {
  switch (rules?.type.case) {
    case "string":
      return stringKeywords(rules.type.value);
    case "int32":
    case "uint32":
    case "sint32":
    case "fixed32":
    case "sfixed32":
    case "float":
    case "double":
      return numberKeywords(rules.type.value);
    default:
      return {};
  }
}

/** collectionKeywords translates repeated (items) and map (pairs) rules; itemRules are the rules for each element. */
export function collectionKeywords(rules: FieldRules | undefined): {
  keywords: JsonSchema;
  itemRules: FieldRules | undefined;
} {
  if (rules?.type.case === "repeated") {
    const r = rules.type.value;
    return {
      keywords: {
        minItems: r.minItems > 0n ? Number(r.minItems) : undefined,
        maxItems: isFieldSet(r, RepeatedRulesSchema.field.maxItems)
          ? Number(r.maxItems)
          : undefined,
        uniqueItems: r.unique ? true : undefined,
      },
      itemRules: r.items,
    };
  }
  if (rules?.type.case === "map") {
    const r = rules.type.value;
    return {
      keywords: {
        minProperties: r.minPairs > 0n ? Number(r.minPairs) : undefined,
        maxProperties: isFieldSet(r, MapRulesSchema.field.maxPairs)
          ? Number(r.maxPairs)
          : undefined,
      },
      itemRules: r.values,
    };
  }
  return { keywords: {}, itemRules: undefined };
}

/** Formats of protovalidate's well-known string rules that JSON Schema also defines (draft 2020-12 §7.3). */
const stringFormats: Partial<Record<NonNullable<StringRules["wellKnown"]["case"]>, string>> = {
  email: "email",
  hostname: "hostname",
  ipv4: "ipv4",
  ipv6: "ipv6",
  uri: "uri",
  uriRef: "uri-reference",
  uuid: "uuid",
};

function stringKeywords(r: StringRules): JsonSchema {
  const exact = isFieldSet(r, StringRulesSchema.field.len) ? Number(r.len) : undefined;
  const wellKnown = r.wellKnown.case !== undefined && r.wellKnown.value === true;
  return {
    const: isFieldSet(r, StringRulesSchema.field.const) ? r.const : undefined,
    enum: r.in.length > 0 ? r.in : undefined,
    // protovalidate and JSON Schema both count characters (code points), not bytes.
    minLength: exact ?? (r.minLen > 0n ? Number(r.minLen) : undefined),
    maxLength:
      exact ?? (isFieldSet(r, StringRulesSchema.field.maxLen) ? Number(r.maxLen) : undefined),
    // RE2 and ECMA-262 agree on the common subset; the server still checks with RE2.
    pattern: isFieldSet(r, StringRulesSchema.field.pattern) ? r.pattern : undefined,
    format:
      wellKnown && r.wellKnown.case !== undefined ? stringFormats[r.wellKnown.case] : undefined,
  };
}

type NumberRules =
  | Int32Rules
  | UInt32Rules
  | SInt32Rules
  | Fixed32Rules
  | SFixed32Rules
  | FloatRules
  | DoubleRules;

const numberRulesSchemas: Record<NumberRules["$typeName"], DescMessage> = {
  "buf.validate.Int32Rules": Int32RulesSchema,
  "buf.validate.UInt32Rules": UInt32RulesSchema,
  "buf.validate.SInt32Rules": SInt32RulesSchema,
  "buf.validate.Fixed32Rules": Fixed32RulesSchema,
  "buf.validate.SFixed32Rules": SFixed32RulesSchema,
  "buf.validate.FloatRules": FloatRulesSchema,
  "buf.validate.DoubleRules": DoubleRulesSchema,
};

function numberKeywords(r: NumberRules): JsonSchema {
  const { lessThan: lt, greaterThan: gt } = r;
  // lt < gt means "outside the range" in protovalidate, which needs anyOf; leave it to the server.
  if (lt.case !== undefined && gt.case !== undefined && lt.value < gt.value) return {};
  const constField = numberRulesSchemas[r.$typeName].field["const"]!;
  return {
    const: isFieldSet(r, constField) ? r.const : undefined,
    enum: r.in.length > 0 ? r.in : undefined,
    minimum: gt.case === "gte" ? gt.value : undefined,
    exclusiveMinimum: gt.case === "gt" ? gt.value : undefined,
    maximum: lt.case === "lte" ? lt.value : undefined,
    exclusiveMaximum: lt.case === "lt" ? lt.value : undefined,
  };
}
