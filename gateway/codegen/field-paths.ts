import type { DescField, DescMessage } from "@bufbuild/protobuf";

/** RuleError is a mistake in an HTTP rule; the caller adds which file, RPC and binding. */
export class RuleError extends Error {
  override name = "RuleError";
}

/**
 * resolvePathVariable finds the fields a path variable walks through, e.g.
 * `book.author.name`. Every step but the last must be a singular message
 * field; the last must be a singular scalar or enum, because a path segment
 * is a string (HttpRule: "the path variables must not refer to any repeated
 * or mapped field", and a message has no single-segment form).
 */
export function resolvePathVariable(
  message: DescMessage,
  fieldPath: readonly string[],
): DescField[] {
  const fields: DescField[] = [];
  let parent = message;
  for (const [i, name] of fieldPath.entries()) {
    const field = findField(parent, name, fieldPath.slice(0, i + 1));
    fields.push(field);
    const where = `path variable {${fieldPath.join(".")}}`;
    if (field.fieldKind === "list" || field.fieldKind === "map") {
      throw new RuleError(
        `${where} binds ${describeField(field)}; only singular fields can be bound`,
      );
    }
    if (i < fieldPath.length - 1) {
      if (field.fieldKind !== "message") {
        const next = fieldPath[i + 1];
        throw new RuleError(
          `${where}: ${describeField(field)} is not a message and has no field "${next}"`,
        );
      }
      parent = field.message;
    } else if (field.fieldKind === "message") {
      throw new RuleError(
        `${where} binds ${describeField(field)}; bind a scalar or enum field inside it instead`,
      );
    }
  }
  return fields;
}

/**
 * resolveTopLevelField finds the request field named by `body` or the
 * response field named by `response_body`. HttpRule requires both to be
 * top-level fields, so a dotted name is an error.
 */
export function resolveTopLevelField(message: DescMessage, name: string, role: string): DescField {
  if (name.includes(".")) {
    throw new RuleError(`${role} "${name}" must name a top-level field of ${message.typeName}`);
  }
  const field = message.fields.find((f) => f.name === name);
  if (field === undefined) {
    throw new RuleError(`${role} "${name}" is not a field of ${message.typeName}`);
  }
  return field;
}

function findField(message: DescMessage, name: string, pathSoFar: readonly string[]): DescField {
  const field = message.fields.find((f) => f.name === name);
  if (field === undefined) {
    throw new RuleError(
      `path variable {${pathSoFar.join(".")}}: ${message.typeName} has no field "${name}"`,
    );
  }
  return field;
}

/** describeField names a field and its kind for error messages, e.g. "the repeated field tags". */
export function describeField(field: DescField): string {
  switch (field.fieldKind) {
    case "list":
      return `the repeated field ${field.name}`;
    case "map":
      return `the map field ${field.name}`;
    case "message":
      return `the message field ${field.name} (${field.message.typeName})`;
    default:
      return `the field ${field.name}`;
  }
}
