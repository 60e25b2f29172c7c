import type { DescMethod } from "@bufbuild/protobuf";
import { compileDeprecation } from "../../codegen/route-deprecation.js";
import type { RouteSpec, SegmentSpec, VariableSpec } from "../route-spec.js";

/**
 * testRoute builds a RouteSpec from a path template, for tests only: the
 * runtime never parses templates (gateway/codegen compiles them), but tests
 * read better with the template as written in a proto. It implements the
 * google/api/http.proto grammar:
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     Verb     = ":" LITERAL ;
 *
 * Deprecation comes from the RPC's proto options, read by gateway/codegen.
 */
export function testRoute(
  httpMethod: string,
  pathTemplate: string,
  method: DescMethod,
  options: { body?: string; responseBody?: string } = {},
): RouteSpec {
  const { path, verb } = splitVerb(pathTemplate);
  const deprecation = compileDeprecation(method);
  const segments: SegmentSpec[] = [];
  const variables: VariableSpec[] = [];
  for (const token of splitTopLevel(path.slice(1))) {
    if (!token.startsWith("{")) {
      segments.push(segment(token));
      continue;
    }
    const [fieldPath = "", inner = "*"] = token.slice(1, -1).split("=");
    const start = segments.length;
    for (const part of inner.split("/")) segments.push(segment(part));
    const end = inner.split("/").includes("**") ? -1 : segments.length;
    variables.push({ fieldPath: fieldPath.split("."), start, end });
  }
  return {
    httpMethod,
    pathTemplate,
    segments,
    verb,
    variables,
    body: options.body ?? "",
    responseBody: options.responseBody ?? "",
    method,
    upstream: method.parent.file.proto.package.split(".")[0] ?? "",
    deprecated: deprecation !== undefined,
    ...(deprecation && { deprecationHeaders: deprecation.headers }),
  };
}

function segment(token: string): SegmentSpec {
  if (token === "*") return { kind: "wildcard" };
  if (token === "**") return { kind: "deep" };
  return { kind: "literal", value: token };
}

// The verb is the ":" suffix after the last "/" outside braces.
function splitVerb(template: string): { path: string; verb: string } {
  const lastSlash = template.lastIndexOf("/");
  const closing = template.lastIndexOf("}");
  const colon = template.indexOf(":", Math.max(lastSlash, closing));
  if (colon < 0) return { path: template, verb: "" };
  return { path: template.slice(0, colon), verb: template.slice(colon + 1) };
}

function splitTopLevel(path: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of path) {
    if (ch === "/" && depth === 0) {
      tokens.push(current);
      current = "";
      continue;
    }
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    current += ch;
  }
  tokens.push(current);
  return tokens;
}
