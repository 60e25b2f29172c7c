import type { DescField, DescMessage, JsonValue } from "@bufbuild/protobuf";
import { fieldByName, fieldPathString } from "./field-lookup.js";
import { fieldError } from "./gateway-errors.js";
import { isStringForm, paramJson, paramUnsupported } from "./param-value.js";
import type { RequestPlan } from "./request-plan.js";

/** QueryParam is one query parameter resolved to a request field, values converted. */
export interface QueryParam {
  /** The parameter name as the client sent it (first spelling seen). */
  readonly name: string;
  readonly fields: readonly DescField[];
  /** ProtoJSON: one value, or an array for a repeated field. */
  readonly json: JsonValue;
}

/**
 * resolveQuery maps the query string onto the request fields that neither
 * the path nor the body binds (http.proto: "any fields in the request
 * message which are not bound by the path template automatically become
 * HTTP query parameters if there is no HTTP request body"). Names are field
 * paths in proto or JSON names (`filter.kind`, `pageSize`); a repeated field
 * takes the parameter several times (`kinds=1&kinds=2`). Anything else is
 * INVALID_ARGUMENT naming the parameter: an unknown name, a field the path
 * or body already binds, a singular field given twice, a map or message.
 */
export function resolveQuery(plan: RequestPlan, query: URLSearchParams): QueryParam[] {
  if (query.size === 0) return [];
  const byField = new Map<string, { name: string; fields: DescField[]; values: string[] }>();
  for (const [name, value] of query) {
    const fields = resolveName(plan.input, name);
    const path = fieldPathString(fields);
    assertUnbound(plan, name, path, fields[0]!);
    const entry = byField.get(path);
    if (entry === undefined) byField.set(path, { name, fields, values: [value] });
    else entry.values.push(value);
  }
  return [...byField.values()].map(({ name, fields, values }) => ({
    name,
    fields,
    json: toJson(name, fields, values),
  }));
}

function resolveName(input: DescMessage, name: string): DescField[] {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = input;
  for (const part of name.split(".")) {
    const field: DescField | undefined =
      message === undefined ? undefined : fieldByName(message, part);
    if (field === undefined) throw fieldError(name, `unknown query parameter "${name}"`);
    fields.push(field);
    // Only plain singular messages can be stepped into: a repeated or map
    // field has no single element to address, and a string-form well-known
    // type (Timestamp, FieldMask, …) is set as one value.
    message =
      field.fieldKind === "message" && !isStringForm(field.message) ? field.message : undefined;
  }
  return fields;
}

function assertUnbound(plan: RequestPlan, name: string, path: string, top: DescField): void {
  if (plan.body === "*") {
    throw fieldError(path, `query parameter "${name}" is not allowed: the body sets every field`);
  }
  if (plan.body === top) {
    throw fieldError(path, `query parameter "${name}" is not allowed: "${top.name}" is the body`);
  }
  if (plan.pathBound.has(path)) {
    throw fieldError(path, `query parameter "${name}" is not allowed: the URL path sets it`);
  }
}

function toJson(name: string, fields: readonly DescField[], values: string[]): JsonValue {
  const leaf = fields[fields.length - 1]!;
  const path = fieldPathString(fields);
  const problem = paramUnsupported(leaf);
  if (problem !== undefined) {
    throw fieldError(path, `query parameter "${name}" cannot be set: the field ${problem}`);
  }
  if (leaf.fieldKind === "list") return values.map((v) => paramJson(leaf, v));
  if (values.length > 1) {
    throw fieldError(path, `query parameter "${name}" is given ${values.length} times`);
  }
  return paramJson(leaf, values[0]!);
}
