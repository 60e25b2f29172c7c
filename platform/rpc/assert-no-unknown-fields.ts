import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

// Per message type, the fields that can hold nested messages: computed once,
// so a flat request costs one property read.
const nestedFields = new WeakMap<DescMessage, readonly DescField[]>();

/**
 * assertNoUnknownFields rejects a request that carries fields the schema does
 * not declare, at any depth, with INVALID_ARGUMENT. Silently dropping them
 * would hide a client built against a newer contract talking to an older
 * server; we prefer a loud error (deploy servers before clients, docs/decisions.md).
 */
export function assertNoUnknownFields(schema: DescMessage, message: Message, path = ""): void {
  const unknown = (message as { $unknown?: { no: number }[] }).$unknown;
  if (unknown !== undefined && unknown.length > 0) {
    const where = path === "" ? schema.typeName : path;
    throw new ConnectError(
      `unknown field number ${unknown[0]!.no} in ${where}`,
      Code.InvalidArgument,
    );
  }
  for (const field of nestedOf(schema)) {
    const value = fieldValue(message as unknown as Record<string, unknown>, field);
    forEachMessage(field, value, (child, suffix) =>
      assertNoUnknownFields(
        child.schema,
        child.message,
        `${path}${path ? "." : ""}${field.name}${suffix}`,
      ),
    );
  }
}

type Child = { schema: DescMessage; message: Message };

function forEachMessage(
  field: DescField,
  value: unknown,
  visit: (c: Child, suffix: string) => void,
): void {
  if (value === undefined || value === null) return;
  if (field.fieldKind === "message" && field.message) {
    visit({ schema: field.message, message: value as Message }, "");
  } else if (field.fieldKind === "list" && field.listKind === "message") {
    for (const [i, m] of (value as Message[]).entries()) {
      visit({ schema: field.message, message: m }, `[${i}]`);
    }
  } else if (field.fieldKind === "map" && field.mapKind === "message") {
    for (const [k, m] of Object.entries(value as Record<string, Message>)) {
      visit({ schema: field.message, message: m }, `[${k}]`);
    }
  }
}

// Oneof members live under the oneof's name as {case, value}.
function fieldValue(message: Record<string, unknown>, field: DescField): unknown {
  if (field.oneof === undefined) return message[field.localName];
  const selected = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return selected?.case === field.localName ? selected.value : undefined;
}

function nestedOf(schema: DescMessage): readonly DescField[] {
  let fields = nestedFields.get(schema);
  if (fields === undefined) {
    fields = schema.fields.filter(
      (f) =>
        // Well-known types (Timestamp, FieldMask...) are decoded by the runtime itself.
        (f.fieldKind === "message" && !f.message.typeName.startsWith("google.protobuf.")) ||
        (f.fieldKind === "list" && f.listKind === "message") ||
        (f.fieldKind === "map" && f.mapKind === "message"),
    );
    nestedFields.set(schema, fields);
  }
  return fields;
}
