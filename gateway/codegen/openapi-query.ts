import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { getFieldBehaviors } from "./annotations.js";
import type { GatewayRoute } from "./compile-routes.js";
import {
  fieldTypeSchema,
  isRequiredField,
  type SchemaComponents,
  wellKnownSchema,
} from "./openapi-schema.js";
import { commentText, joinText } from "./proto-comments.js";

/**
 * queryParameters describes the request fields a route takes from the
 * query string: per HttpRule, every field that is neither bound by the path
 * nor in the body. Nested message fields are flattened to dotted names
 * (`filter.author.name`); repeated scalars and enums repeat the parameter
 * (`?tags=a&tags=b`). Maps, repeated messages and JSON-only well-known types
 * (Struct, Value, Any, …) have no query form and are left out, as are
 * output-only fields, which requests ignore.
 */
export function queryParameters(route: GatewayRoute, components: SchemaComponents): object[] {
  if (route.body === "*") return [];
  const bound = new Set(route.template.variables.map((v) => v.fieldPath.join(".")));
  const input = route.method.input;
  const top = input.fields.filter((f) => f.name !== route.body);
  return queryFields(top, [], new Set([input]))
    .filter((path) => !bound.has(path.map((f) => f.name).join(".")))
    .map((path) => queryParameter(path, components));
}

function queryParameter(path: readonly DescField[], components: SchemaComponents): object {
  const leaf = path.at(-1)!;
  const { description: typeNote, ...schema } = fieldTypeSchema(leaf, components);
  // A wrapper is nullable in JSON; a query string can only leave it out.
  if (Array.isArray(schema.type)) schema.type = schema.type.filter((t) => t !== "null")[0];
  const repeated = leaf.fieldKind === "list";
  return {
    name: path.map((f) => f.name).join("."),
    in: "query",
    description: joinText(commentText(leaf), typeNote as string | undefined) || undefined,
    // Required only when every enclosing message is required too.
    required: path.every(isRequiredField) || undefined,
    deprecated: leaf.deprecated || undefined,
    schema,
    style: repeated ? "form" : undefined,
    explode: repeated ? true : undefined,
  };
}

/** queryFields lists the field paths with a query form, depth first; `seen` stops at recursive messages. */
function queryFields(
  fields: readonly DescField[],
  prefix: readonly DescField[],
  seen: ReadonlySet<DescMessage>,
): DescField[][] {
  return fields.flatMap((field) => {
    const path = [...prefix, field];
    if (getFieldBehaviors(field).includes("OUTPUT_ONLY") || field.fieldKind === "map") return [];
    if (field.message === undefined) return [path];
    const known = wellKnownSchema(field.message.typeName);
    if (known !== undefined) return hasScalarForm(known) ? [path] : [];
    if (field.fieldKind === "list" || seen.has(field.message)) return [];
    return queryFields(field.message.fields, path, new Set([...seen, field.message]));
  });
}

/** Timestamps, durations, field masks and wrappers are single strings, numbers or booleans in ProtoJSON. */
function hasScalarForm(schema: { type?: unknown }): boolean {
  const types = [schema.type].flat();
  return types.some((t) => t === "string" || t === "number" || t === "integer" || t === "boolean");
}
