import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { fieldByName } from "./field-lookup.js";
import { reachableMessages } from "./reachable-messages.js";

// Standard and URL-safe base64 (RFC 4648 §4, §5) with padding: what ProtoJSON
// accepts for bytes. protobuf-es's decoder also skips whitespace, so an
// unencoded "+" in a query (read as a space) would decode to other bytes.
const BASE64 = /^[A-Za-z0-9+/\-_=]*$/;

const BYTES_VALUE = "google.protobuf.BytesValue";

/**
 * findInvalidBytes returns the field path (proto names, "book.cover") of the
 * first bytes value in a ProtoJSON object that is not base64, or undefined.
 * It reads only what the JSON sets, and nothing at all for a message type
 * that cannot hold bytes. Values of other types are fromJson's to judge;
 * an Any's contents are not inspected.
 */
export function findInvalidBytes(message: DescMessage, json: unknown): string | undefined {
  if (!holdsBytes(message) || !isObject(json)) return undefined;
  for (const key of Object.keys(json)) {
    const field = fieldByName(message, key);
    if (field === undefined) continue;
    const bad = fieldInvalid(field, json[key]);
    if (bad !== undefined) return bad === "" ? field.name : `${field.name}.${bad}`;
  }
  return undefined;
}

// "" when the field's own value is the bad one, a sub-path below it, or undefined.
function fieldInvalid(field: DescField, value: unknown): string | undefined {
  switch (field.fieldKind) {
    case "list":
      return Array.isArray(value) ? firstInvalid(field, value) : undefined;
    case "map":
      return isObject(value) ? firstInvalid(field, Object.values(value)) : undefined;
    default:
      return elementInvalid(field, value);
  }
}

function firstInvalid(field: DescField, elements: readonly unknown[]): string | undefined {
  for (const element of elements) {
    const bad = elementInvalid(field, element);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

// One value of the field's element type: a singular value, a list element or a map value.
function elementInvalid(field: DescField, value: unknown): string | undefined {
  if (field.message !== undefined) return messageInvalid(field.message, value);
  return isBytes(field) ? valueInvalid(value) : undefined;
}

function messageInvalid(message: DescMessage, value: unknown): string | undefined {
  return message.typeName === BYTES_VALUE ? valueInvalid(value) : findInvalidBytes(message, value);
}

function valueInvalid(value: unknown): string | undefined {
  return typeof value === "string" && !BASE64.test(value) ? "" : undefined;
}

const holding = new WeakMap<DescMessage, boolean>();

/** holdsBytes reports whether a message type can contain a bytes value at any depth. */
function holdsBytes(message: DescMessage): boolean {
  let holds = holding.get(message);
  if (holds === undefined) {
    holds = reachableMessages(message).some(
      (m) => m.typeName === BYTES_VALUE || m.fields.some(isBytes),
    );
    holding.set(message, holds);
  }
  return holds;
}

function isBytes(field: DescField): boolean {
  return field.scalar === ScalarType.BYTES;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
