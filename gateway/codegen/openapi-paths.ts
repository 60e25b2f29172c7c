import type { GatewayRoute } from "./compile-routes.js";
import { resolvePathVariable } from "./field-paths.js";
import { fieldTypeSchema, type SchemaComponents } from "./openapi-schema.js";
import type { PathTemplate, TemplateVariable } from "./path-template.js";
import { commentText, joinText } from "./proto-comments.js";

// How a path template becomes an OpenAPI path. OpenAPI has no parameter
// that spans several segments, and generated clients percent-encode "/" in
// parameter values, which HttpRule matching would not undo. So every
// wildcard (`*` or `**`) becomes its own path parameter and the literals of
// a variable's pattern stay in the path:
//
//     /v1/users/{user_id}                   -> /v1/users/{user_id}
//     /v1/{name=shelves/*}                  -> /v1/shelves/{name}
//     /v1/{name=shelves/*/books/*}          -> /v1/shelves/{name.shelves}/books/{name.books}
//     /v1/files/{path=**}                   -> /v1/files/{path}
//
// A parameter is named by its field path joined with "."; when a variable
// holds several wildcards, each is suffixed with the literal before it (or
// its position). A parameter that is only part of its field carries the
// variable's pattern as `x-pattern`, and its description spells out the
// value the request field receives.

/** OpenApiPath is where a route's template goes among the OpenAPI paths. */
export interface OpenApiPath {
  /** The literals and verb with "{}" for wildcards; routes with equal keys share an OpenAPI path item. */
  readonly key: string;
  /** The name this route would give each wildcard's parameter, in path order. */
  readonly names: readonly string[];
}

/** openApiPath computes a template's OpenAPI path key and parameter names. */
export function openApiPath(template: PathTemplate): OpenApiPath {
  const parts = template.segments.map((s) => (s.kind === "literal" ? s.value : "{}"));
  const key = `/${parts.join("/")}${template.verb === "" ? "" : `:${template.verb}`}`;
  return { key, names: wildcardIndexes(template).map((i) => naturalName(template, i)) };
}

/** renderPath writes the OpenAPI path of a template with the given parameter names. */
export function renderPath(template: PathTemplate, names: readonly string[]): string {
  const wildcards = wildcardIndexes(template);
  const parts = template.segments.map((s, i) =>
    s.kind === "literal" ? s.value : `{${names[wildcards.indexOf(i)]}}`,
  );
  return `/${parts.join("/")}${template.verb === "" ? "" : `:${template.verb}`}`;
}

/**
 * pathParameters describes a route's path parameters under the names of
 * its OpenAPI path item (which another route of the same shape may have
 * chosen: GET /v1/users/{user_id} and PATCH /v1/users/{user.user_id} share
 * /v1/users/{user_id}, and the PATCH parameter says it sets user.user_id).
 */
export function pathParameters(
  route: GatewayRoute,
  names: readonly string[],
  components: SchemaComponents,
): object[] {
  const { template } = route;
  return wildcardIndexes(template).map((segment, i) => {
    const variable = variableAt(template, segment);
    const name = names[i]!;
    if (variable === undefined)
      return unboundParameter(name, template.segments[segment]!.kind === "deep");
    return variableParameter(route, variable, name, names, components);
  });
}

function variableParameter(
  route: GatewayRoute,
  variable: TemplateVariable,
  name: string,
  names: readonly string[],
  components: SchemaComponents,
): object {
  const leaf = resolvePathVariable(route.method.input, variable.fieldPath).at(-1)!;
  const whole = variable.pattern === "*";
  const { description: typeNote, ...schema } = fieldTypeSchema(leaf, components);
  return {
    name,
    in: "path",
    required: true,
    description: joinText(
      commentText(leaf),
      whole ? (typeNote as string | undefined) : undefined,
      bindingNote(route.template, variable, name, names),
    ),
    schema: whole ? schema : { type: "string" },
    "x-pattern": whole ? undefined : variable.pattern,
  };
}

/** bindingNote tells how the parameter reaches the request field, when its name or value differs from it. */
function bindingNote(
  template: PathTemplate,
  variable: TemplateVariable,
  name: string,
  names: readonly string[],
): string | undefined {
  const fieldPath = variable.fieldPath.join(".");
  if (variable.pattern === "*") {
    return name === fieldPath ? undefined : `Sets the request field \`${fieldPath}\`.`;
  }
  const end = variable.end < 0 ? template.segments.length : variable.end;
  const wildcards = wildcardIndexes(template);
  const value = template.segments
    .slice(variable.start, end)
    .map((s, i) =>
      s.kind === "literal" ? s.value : `{${names[wildcards.indexOf(variable.start + i)]}}`,
    )
    .join("/");
  const deep =
    variable.end < 0 ? ' The last part may contain "/": send it unescaped, not as %2F.' : "";
  return `Sets the request field \`${fieldPath}\` to \`${value}\` (pattern \`${variable.pattern}\`).${deep}`;
}

function unboundParameter(name: string, deep: boolean): object {
  return {
    name,
    in: "path",
    required: true,
    description: deep
      ? 'The rest of the path, which may contain "/" (send it unescaped); not bound to a request field.'
      : "Any single path segment; not bound to a request field.",
    schema: { type: "string" },
  };
}

function naturalName(template: PathTemplate, segment: number): string {
  const variable = variableAt(template, segment);
  if (variable === undefined) return `segment${segment + 1}`;
  const fieldPath = variable.fieldPath.join(".");
  const own = wildcardIndexes(template).filter((i) => variableAt(template, i) === variable);
  if (own.length === 1) return fieldPath;
  const suffixes = own.map((i) => {
    const before = template.segments[i - 1];
    return i > variable.start && before?.kind === "literal" ? before.value : undefined;
  });
  const distinct = new Set(suffixes).size === own.length && !suffixes.includes(undefined);
  const at = own.indexOf(segment);
  return `${fieldPath}.${distinct ? suffixes[at] : at + 1}`;
}

function wildcardIndexes(template: PathTemplate): number[] {
  return template.segments.flatMap((s, i) => (s.kind === "literal" ? [] : [i]));
}

function variableAt(template: PathTemplate, segment: number): TemplateVariable | undefined {
  return template.variables.find((v) => segment >= v.start && (v.end < 0 || segment < v.end));
}
