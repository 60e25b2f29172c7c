import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { fieldPathString } from "./field-lookup.js";
import { paramUnsupported } from "./param-value.js";
import type { RouteSpec } from "./route-spec.js";

/** RequestPlan is what a route needs to map a request, resolved against the descriptors once. */
export interface RequestPlan {
  readonly input: DescMessage;
  /** Path variables: the key the matcher uses and the resolved field chain. */
  readonly pathFields: readonly { readonly key: string; readonly fields: readonly DescField[] }[];
  /** Field paths bound by the path template, in proto names. */
  readonly pathBound: ReadonlySet<string>;
  /** "" (no body), "*" (the whole request), or the top-level field the body fills. */
  readonly body: "" | "*" | DescField;
}

const plans = new WeakMap<RouteSpec, RequestPlan>();

/**
 * planRequest resolves a route's variables and body against its input
 * message, once per route. It throws on a spec that breaks HttpRule's rules
 * (an unknown field, a path variable on a repeated, map or message field), so
 * the gateway can call it for every route at startup and fail fast.
 */
export function planRequest(route: RouteSpec): RequestPlan {
  let plan = plans.get(route);
  if (plan === undefined) {
    plan = buildPlan(route);
    plans.set(route, plan);
  }
  return plan;
}

function buildPlan(route: RouteSpec): RequestPlan {
  const input = route.method.input;
  const pathFields = route.variables.map((v) => {
    const fields = resolvePath(route, input, v.fieldPath);
    return { key: v.fieldPath.join("."), fields };
  });
  const pathBound = new Set(pathFields.map((p) => fieldPathString(p.fields)));
  return { input, pathFields, pathBound, body: resolveBody(route, input) };
}

// http.proto: "The path variables must not refer to any repeated or mapped
// field"; the leaf must be a value a single URL string can carry.
function resolvePath(route: RouteSpec, input: DescMessage, names: readonly string[]): DescField[] {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = input;
  for (const name of names) {
    const field: DescField | undefined = message?.fields.find((f) => f.name === name);
    if (field === undefined) fail(route, `no field "${names.join(".")}" in ${input.typeName}`);
    fields.push(field);
    message = field.fieldKind === "message" ? field.message : undefined;
  }
  const leaf = fields[fields.length - 1];
  if (leaf === undefined) fail(route, "a path variable names no field");
  const problem = leaf.fieldKind === "list" ? "is repeated" : paramUnsupported(leaf);
  if (problem !== undefined) fail(route, `path variable "${names.join(".")}" ${problem}`);
  return fields;
}

function resolveBody(route: RouteSpec, input: DescMessage): RequestPlan["body"] {
  if (route.body === "" || route.body === "*") return route.body;
  // http.proto: body names "a field at the top level of the request message".
  const field = input.fields.find((f) => f.name === route.body);
  if (field === undefined) fail(route, `body field "${route.body}" is not in ${input.typeName}`);
  return field;
}

function fail(route: RouteSpec, problem: string): never {
  throw new Error(`route ${route.httpMethod} ${route.pathTemplate}: ${problem}`);
}
