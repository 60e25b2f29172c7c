import { clone, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { reachableMessages } from "./reachable-messages.js";

/**
 * withoutRedactedFields is `message` with every field marked
 * `[debug_redact = true]` cleared, at any depth, or `message` itself when
 * its type has none: what may be kept of a response. A saved idempotent
 * response is replayed from a database table and its backups; a secret
 * shown once (a new API key) must never land there.
 */
export function withoutRedactedFields(schema: DescMessage, message: Message): Message {
  if (!holdsRedacted(schema)) return message;
  const copy = clone(schema, message);
  clearRedacted(reflect(schema, copy));
  return copy;
}

function clearRedacted(message: ReflectMessage): void {
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    if (isRedacted(field)) {
      message.clear(field);
      continue;
    }
    if (field.message === undefined || !holdsRedacted(field.message)) continue;
    switch (field.fieldKind) {
      case "message":
        clearRedacted(message.get(field));
        break;
      case "list":
        for (const item of message.get(field)) clearRedacted(item as ReflectMessage);
        break;
      case "map":
        for (const [, value] of message.get(field)) clearRedacted(value as ReflectMessage);
        break;
    }
  }
}

const holding = new WeakMap<DescMessage, boolean>();

// Whether a message type can contain a redacted field at any depth, once per type.
function holdsRedacted(schema: DescMessage): boolean {
  let holds = holding.get(schema);
  if (holds === undefined) {
    holds = reachableMessages(schema).some((m) => m.fields.some(isRedacted));
    holding.set(schema, holds);
  }
  return holds;
}

function isRedacted(field: DescField): boolean {
  return field.proto.options?.debugRedact === true;
}
