import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { FieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { getFieldBehaviors } from "./annotations.js";
import { compareStrings } from "./compile-routes.js";
import { commentText, joinText } from "./proto-comments.js";
import { collectionKeywords, getFieldRules, valueKeywords } from "./validate-rules.js";

/** JsonSchema is a JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it); undefined keywords are left out. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * SchemaComponents collects the named schemas of an OpenAPI document: one
 * per proto message or enum that an operation reaches, named by its full
 * proto name (e.g. `identity.v1.User`) so two packages never clash.
 */
export interface SchemaComponents {
  /** ref returns a `$ref` to the schema of a message or enum, adding it (and all it references) on first use. */
  ref(desc: DescMessage | DescEnum): JsonSchema;
  /** all returns the collected schemas, sorted by name. */
  all(): Record<string, JsonSchema>;
}

/** createSchemaComponents returns an empty SchemaComponents. */
export function createSchemaComponents(): SchemaComponents {
  const schemas = new Map<string, JsonSchema>();
  const components: SchemaComponents = {
    ref(desc) {
      if (!schemas.has(desc.typeName)) {
        schemas.set(desc.typeName, {}); // Claimed first: a message may reference itself.
        schemas.set(
          desc.typeName,
          desc.kind === "enum" ? enumSchema(desc) : messageSchema(desc, components),
        );
      }
      return { $ref: `#/components/schemas/${desc.typeName}` };
    },
    all() {
      const names = [...schemas.keys()].sort(compareStrings);
      return Object.fromEntries(names.map((name) => [name, schemas.get(name)!]));
    },
  };
  return components;
}

/**
 * messageSchema describes a message as its ProtoJSON object, keyed by proto
 * field names. Fields named in `omit` (bound by the path) are left out.
 */
export function messageSchema(
  message: DescMessage,
  components: SchemaComponents,
  omit: ReadonlySet<string> = new Set(),
): JsonSchema {
  const fields = message.fields.filter((f) => !omit.has(f.name));
  const required = fields.filter(isRequiredField).map((f) => f.name);
  return {
    type: "object",
    description: commentText(message) || undefined,
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f, components)])),
    required: required.length > 0 ? required : undefined,
  };
}

/** fieldSchema describes one field: its ProtoJSON type, validation rules, comment and behavior. */
export function fieldSchema(field: DescField, components: SchemaComponents): JsonSchema {
  const { description, ...type } = fieldTypeSchema(field, components);
  const behaviors = getFieldBehaviors(field);
  return {
    ...type,
    description:
      joinText(commentText(field), description as string | undefined, oneofNote(field)) ||
      undefined,
    readOnly: behaviors.includes("OUTPUT_ONLY") || undefined,
    writeOnly: behaviors.includes("INPUT_ONLY") || undefined,
    deprecated: field.deprecated || undefined,
  };
}

/**
 * isRequiredField: the client must send the field, per
 * `google.api.field_behavior = REQUIRED` or protovalidate's `required`.
 */
export function isRequiredField(field: DescField): boolean {
  return getFieldBehaviors(field).includes("REQUIRED") || getFieldRules(field)?.required === true;
}

/** fieldTypeSchema is the type part of a field's schema: no comment, no behavior. */
export function fieldTypeSchema(field: DescField, components: SchemaComponents): JsonSchema {
  const rules = getFieldRules(field);
  switch (field.fieldKind) {
    case "list": {
      const { keywords, itemRules } = collectionKeywords(rules);
      return { type: "array", items: elementSchema(field, itemRules, components), ...keywords };
    }
    case "map": {
      const { keywords, itemRules } = collectionKeywords(rules);
      return {
        type: "object",
        additionalProperties: elementSchema(field, itemRules, components),
        ...keywords,
      };
    }
    default:
      return elementSchema(field, rules, components);
  }
}

/** elementSchema describes one value of a field: the field itself, or an item of a list or map. */
function elementSchema(
  field: DescField,
  rules: FieldRules | undefined,
  components: SchemaComponents,
): JsonSchema {
  if (field.message !== undefined) return messageTypeSchema(field.message, components);
  if (field.enum !== undefined) return enumTypeSchema(field.enum, components);
  return { ...scalarSchema(field.scalar!), ...valueKeywords(rules) };
}

/** messageTypeSchema refers to a message's schema, or inlines the ProtoJSON form of a well-known type. */
export function messageTypeSchema(message: DescMessage, components: SchemaComponents): JsonSchema {
  return wellKnownSchema(message.typeName) ?? components.ref(message);
}

function enumTypeSchema(desc: DescEnum, components: SchemaComponents): JsonSchema {
  // NullValue is JSON null in ProtoJSON (a Struct's null), not a name.
  return desc.typeName === "google.protobuf.NullValue" ? { type: "null" } : components.ref(desc);
}

/** scalarSchema is the ProtoJSON form of a scalar: 64-bit integers are strings, bytes are base64. */
export function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64" };
  }
}

const wrappers: Record<string, ScalarType> = {
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
};

/** The ProtoJSON forms of the well-known types (https://protobuf.dev/programming-guides/json/). */
const wellKnownTypes: Record<string, JsonSchema> = {
  "google.protobuf.Timestamp": {
    type: "string",
    format: "date-time",
    description: 'An RFC 3339 date-time, e.g. "2024-01-15T10:30:00Z"; responses are in UTC.',
  },
  "google.protobuf.Duration": {
    type: "string",
    pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
    description: 'Seconds with up to nine decimals and an "s" suffix, e.g. "1.5s".',
  },
  "google.protobuf.FieldMask": {
    type: "string",
    description:
      'Comma-separated field paths in lowerCamelCase, e.g. "displayName,email"; in a query parameter proto names ("display_name") work too.',
  },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Any": {
    type: "object",
    properties: {
      "@type": { type: "string", description: "The type URL of the embedded message." },
    },
    required: ["@type"],
    additionalProperties: true,
  },
  "google.protobuf.Empty": { type: "object" },
};

/** wellKnownSchema returns the inline schema of a well-known type (wrappers are their value, or null), or undefined. */
export function wellKnownSchema(typeName: string): JsonSchema | undefined {
  const wrapped = wrappers[typeName];
  if (wrapped !== undefined) {
    const schema = scalarSchema(wrapped);
    return { ...schema, type: [schema.type, "null"] };
  }
  const known = wellKnownTypes[typeName];
  return known === undefined ? undefined : structuredClone(known);
}

function enumSchema(desc: DescEnum): JsonSchema {
  const documented = desc.values.filter((v) => commentText(v) !== "");
  const valueDocs = documented.map(
    (v) => `- \`${v.name}\`: ${commentText(v).replaceAll("\n", " ")}`,
  );
  return {
    type: "string",
    enum: desc.values.map((v) => v.name),
    description: joinText(commentText(desc), valueDocs.join("\n")) || undefined,
  };
}

function oneofNote(field: DescField): string | undefined {
  const oneof = field.oneof;
  if (oneof === undefined) return undefined;
  const members = oneof.fields.map((f) => `\`${f.name}\``).join(", ");
  return `At most one of ${members} may be set (oneof \`${oneof.name}\`).`;
}
