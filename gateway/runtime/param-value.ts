import { type DescField, type DescMessage, type JsonValue, ScalarType } from "@bufbuild/protobuf";

/*
 * Path variables and query parameters arrive as strings. We turn each into
 * the ProtoJSON value of its field and let protobuf-es's fromJson do the
 * real parsing, so the URL accepts exactly the forms the JSON body accepts:
 * int64 and floats as decimal strings, enums by name or number, bytes as
 * base64, Timestamp/Duration/FieldMask and wrappers in their string forms
 * (https://protobuf.dev/programming-guides/json/).
 */

// Well-known types whose ProtoJSON form is a single string, boolean or
// number: the only messages a URL string can express.
const STRING_FORM_TYPES = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

const INTEGER = /^-?\d+$/;

/** isStringForm reports whether a message type can be written as one URL value. */
export function isStringForm(message: DescMessage): boolean {
  return STRING_FORM_TYPES.has(message.typeName);
}

/**
 * paramUnsupported explains why a field cannot be set from a URL string, or
 * returns undefined when it can (scalars, enums, string-form well-known
 * types, and repeated fields of those).
 */
export function paramUnsupported(field: DescField): string | undefined {
  switch (field.fieldKind) {
    case "map":
      return "is a map";
    case "message":
      return isStringForm(field.message) ? undefined : "is a message; set its fields instead";
    case "list":
      return field.listKind === "message" && !isStringForm(field.message)
        ? "is a list of messages"
        : undefined;
    default:
      return undefined;
  }
}

/** paramJson converts one URL string to the ProtoJSON value of the field's element type. */
export function paramJson(field: DescField, raw: string): JsonValue {
  switch (field.fieldKind) {
    case "enum":
      return enumJson(raw);
    case "scalar":
      return scalarJson(field.scalar, raw);
    case "message":
      return messageJson(field.message, raw);
    case "list":
      if (field.listKind === "enum") return enumJson(raw);
      if (field.listKind === "scalar") return scalarJson(field.scalar, raw);
      return messageJson(field.message, raw);
    default:
      // Maps are refused by paramUnsupported before we get here.
      return raw;
  }
}

// ProtoJSON takes an enum by name, or by number as a JSON number.
function enumJson(raw: string): JsonValue {
  return INTEGER.test(raw) ? Number(raw) : raw;
}

// URL booleans take the spellings of Go's strconv.ParseBool, as grpc-gateway
// does, so clients written against it keep working.
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ...["1", "t", "T", "TRUE", "true", "True"].map((s) => [s, true] as const),
  ...["0", "f", "F", "FALSE", "false", "False"].map((s) => [s, false] as const),
]);

// ProtoJSON accepts numbers of every kind as strings; only booleans must be
// JSON literals. Any other spelling stays a string so fromJson reports the
// bad value in its usual words.
function scalarJson(scalar: ScalarType, raw: string): JsonValue {
  if (scalar !== ScalarType.BOOL) return raw;
  return BOOLEANS.get(raw) ?? raw;
}

function messageJson(message: DescMessage, raw: string): JsonValue {
  if (message.typeName === "google.protobuf.FieldMask") return fieldMaskJson(raw);
  // BoolValue's JSON form is a JSON boolean; every other string-form type
  // (wrappers included) accepts a string.
  const wrapped = message.typeName === "google.protobuf.BoolValue" ? ScalarType.BOOL : undefined;
  return wrapped === undefined ? raw : scalarJson(wrapped, raw);
}

/**
 * fieldMaskJson accepts mask paths in either spelling, as grpc-gateway does:
 * ProtoJSON writes FieldMask paths in lowerCamelCase ("displayName"), but our
 * public JSON uses proto names everywhere, so `update_mask=display_name` must
 * work too. Proto names are turned into the ProtoJSON form here.
 */
function fieldMaskJson(raw: string): JsonValue {
  return raw
    .split(",")
    .map((path) => path.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join(",");
}
