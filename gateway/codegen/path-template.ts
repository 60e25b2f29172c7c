import type { SegmentSpec, VariableSpec } from "../runtime/route-spec.js";

/**
 * PathTemplate is an HttpRule path template compiled into the shape the
 * gateway runtime matches: segments, the custom verb, and the request fields
 * the variables bind.
 */
export interface PathTemplate {
  readonly segments: readonly SegmentSpec[];
  readonly verb: string;
  readonly variables: readonly TemplateVariable[];
}

/** TemplateVariable is a VariableSpec that remembers its pattern as written ("*" for `{var}`). */
export interface TemplateVariable extends VariableSpec {
  readonly pattern: string;
}

/** PathTemplateError reports a template that does not follow the HttpRule grammar. */
export class PathTemplateError extends Error {
  override name = "PathTemplateError";
}

/**
 * parsePathTemplate compiles a path template per the grammar in
 * google/api/http.proto:
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     FieldPath = IDENT { "." IDENT } ;
 *     Verb     = ":" LITERAL ;
 *
 * `{var}` means `{var=*}`; `**` may only be the last segment. The verb is
 * what follows the last ":" of the final segment, outside any variable, so
 * `{name=x/*:y}` has no verb while `/v1/a:b/c` has the literal "a:b".
 */
export function parsePathTemplate(template: string): PathTemplate {
  if (!template.startsWith("/")) {
    throw templateError(template, 0, 'must start with "/"');
  }
  const verbAt = findVerbColon(template);
  const path = verbAt < 0 ? template : template.slice(0, verbAt);
  const verb = verbAt < 0 ? "" : template.slice(verbAt + 1);
  if (verbAt >= 0 && !isLiteral(verb)) {
    throw templateError(template, verbAt, `invalid custom verb "${verb}"`);
  }
  const parser = {
    template,
    path,
    pos: 1,
    segments: [] as SegmentSpec[],
    variables: [] as TemplateVariable[],
  };
  parseSegments(parser, false);
  if (parser.pos < path.length) {
    throw templateError(template, parser.pos, `unexpected "${path[parser.pos]}"`);
  }
  checkDeepIsLast(parser);
  checkDistinctVariables(parser);
  return { segments: parser.segments, verb, variables: parser.variables };
}

/**
 * templateShape is what two templates must share to match the same
 * requests: literals, wildcard kinds and the verb, ignoring which fields the
 * variables bind. `/v1/{a}` and `/v1/{b}` have the same shape.
 */
export function templateShape(template: PathTemplate): string {
  const segments = template.segments.map((s) => (s.kind === "literal" ? `=${s.value}` : s.kind));
  return `${segments.join("/")}:${template.verb}`;
}

interface Parser {
  readonly template: string;
  /** The template without its verb. */
  readonly path: string;
  pos: number;
  readonly segments: SegmentSpec[];
  readonly variables: TemplateVariable[];
}

function parseSegments(p: Parser, inVariable: boolean): void {
  parseSegment(p, inVariable);
  while (p.path[p.pos] === "/") {
    p.pos++;
    parseSegment(p, inVariable);
  }
}

function parseSegment(p: Parser, inVariable: boolean): void {
  if (p.path[p.pos] === "{") {
    if (inVariable) throw templateError(p.template, p.pos, "variables cannot be nested");
    parseVariable(p);
    return;
  }
  const start = p.pos;
  while (p.pos < p.path.length && !"/{}".includes(p.path[p.pos]!)) p.pos++;
  const token = p.path.slice(start, p.pos);
  if (token === "*") p.segments.push({ kind: "wildcard" });
  else if (token === "**") p.segments.push({ kind: "deep" });
  else if (token === "" && !inVariable && p.path[p.pos] === "}") {
    throw templateError(p.template, start, `unexpected "${p.path[p.pos]}"`);
  } else if (token === "") throw templateError(p.template, start, "empty segment");
  else if (isLiteral(token)) p.segments.push({ kind: "literal", value: token });
  else throw templateError(p.template, start, `invalid literal "${token}"`);
}

function parseVariable(p: Parser): void {
  const open = p.pos++;
  const fieldPath = parseFieldPath(p);
  const start = p.segments.length;
  let pattern = "*";
  if (p.path[p.pos] === "=") {
    const patternAt = ++p.pos;
    parseSegments(p, true);
    pattern = p.path.slice(patternAt, p.pos);
  } else {
    p.segments.push({ kind: "wildcard" });
  }
  if (p.path[p.pos] !== "}") {
    throw templateError(p.template, open, `variable {${fieldPath.join(".")}} is not closed by "}"`);
  }
  p.pos++;
  const end = p.segments.at(-1)?.kind === "deep" ? -1 : p.segments.length;
  p.variables.push({ fieldPath, start, end, pattern });
}

function parseFieldPath(p: Parser): string[] {
  const start = p.pos;
  while (p.pos < p.path.length && !"=}/{".includes(p.path[p.pos]!)) p.pos++;
  const text = p.path.slice(start, p.pos);
  const names = text.split(".");
  if (!names.every((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))) {
    throw templateError(p.template, start, `invalid field path "${text}" in variable`);
  }
  return names;
}

function checkDeepIsLast(p: Parser): void {
  const deepAt = p.segments.findIndex((s) => s.kind === "deep");
  if (deepAt >= 0 && deepAt !== p.segments.length - 1) {
    throw templateError(p.template, -1, '"**" must be the last segment');
  }
}

function checkDistinctVariables(p: Parser): void {
  const seen = new Set<string>();
  for (const v of p.variables) {
    const name = v.fieldPath.join(".");
    if (seen.has(name)) throw templateError(p.template, -1, `field ${name} is bound twice`);
    seen.add(name);
  }
}

/** The index of the ":" that starts the verb, or -1: the last ":" of the final segment, outside braces. */
function findVerbColon(template: string): number {
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "/" && depth === 0) colon = -1;
    else if (c === ":" && depth === 0) colon = i;
  }
  return colon;
}

/**
 * isLiteral accepts RFC 3986 path characters (pchar) except "*", which only
 * appears as a wildcard, so `/v1/a*` is an error rather than a literal.
 */
function isLiteral(text: string): boolean {
  return /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+$/.test(text);
}

function templateError(template: string, pos: number, reason: string): PathTemplateError {
  const where = pos >= 0 ? ` at offset ${pos}` : "";
  return new PathTemplateError(`invalid path template "${template}"${where}: ${reason}`);
}
