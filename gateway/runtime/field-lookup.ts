import type { DescField, DescMessage } from "@bufbuild/protobuf";

// Per message type, its fields by proto name and by JSON name, built on
// first use and kept for the process (descriptors live as long as it does).
const indexes = new WeakMap<DescMessage, ReadonlyMap<string, DescField>>();

/**
 * fieldByName finds a field by its proto name (`page_size`) or its JSON name
 * (`pageSize`): ProtoJSON parsers must accept both, and so does the URL.
 */
export function fieldByName(message: DescMessage, name: string): DescField | undefined {
  let index = indexes.get(message);
  if (index === undefined) {
    const byName = new Map<string, DescField>();
    for (const field of message.fields) {
      byName.set(field.name, field);
      byName.set(field.jsonName, field);
    }
    index = byName;
    indexes.set(message, index);
  }
  return index.get(name);
}

/** fieldPathString joins proto field names with "." (`book.author.name`). */
export function fieldPathString(fields: readonly DescField[]): string {
  return fields.map((f) => f.name).join(".");
}

/**
 * nestedJson wraps a value in objects keyed by the fields' proto names:
 * ([book, author, name], "Ann") → {"book":{"author":{"name":"Ann"}}}.
 */
export function nestedJson<T>(fields: readonly DescField[], value: T): Record<string, unknown> {
  let json: unknown = value;
  for (let i = fields.length - 1; i >= 0; i--) json = { [fields[i]!.name]: json };
  return json as Record<string, unknown>;
}
