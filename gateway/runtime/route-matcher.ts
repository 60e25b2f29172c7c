import {
  assertValidPercentEncoding,
  decodeReservedExpansion,
  decodeSegment,
} from "./path-decoding.js";
import type { RouteSpec } from "./route-spec.js";

/** RouteMatch is the outcome of matching one request line against the route table. */
export type RouteMatch =
  | {
      readonly route: RouteSpec;
      /** Path variables by field path ("book.name"), decoded per http.proto. */
      readonly params: ReadonlyMap<string, string>;
    }
  | { readonly notFound: true }
  /** The path exists under other methods: the `Allow` header's list, sorted. */
  | { readonly methodNotAllowed: readonly string[] };

/** RouteMatcher finds the route for a request; built once at startup. */
export interface RouteMatcher {
  /**
   * match resolves `rawPath` (the path of the request target, still
   * percent-encoded, without the query) for `method`. It throws
   * INVALID_ARGUMENT for invalid percent-encoding.
   */
  match(method: string, rawPath: string): RouteMatch;
}

// One trie per HTTP method. A node's children are tried literal first, then
// `*`, then `**`: depth-first in that order, the first complete match is the
// most specific one (segment by segment, literal > `*` > `**`).
interface TrieNode {
  readonly literals: Map<string, TrieNode>;
  wildcard: TrieNode | undefined;
  /** Routes ending here, by verb ("" for none). */
  readonly leaves: Map<string, CompiledRoute>;
  /** Routes whose last segment is `**` after this node, by verb. */
  readonly deep: Map<string, CompiledRoute>;
}

interface CompiledRoute {
  readonly route: RouteSpec;
  readonly variables: readonly CompiledVariable[];
}

interface CompiledVariable {
  readonly key: string;
  readonly start: number;
  /** -1: to the end of the path (the variable ends with `**`). */
  readonly end: number;
  /** Exactly one `*` segment: fully decoded; otherwise reserved expansion. */
  readonly single: boolean;
}

const NOT_FOUND: RouteMatch = { notFound: true };
const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/**
 * createRouteMatcher compiles the route table into per-method tries. It
 * throws on a table it cannot serve unambiguously (two bindings of the same
 * method, shape and verb; `**` before the last segment), so a bad generated
 * table fails at startup, never on a request.
 */
export function createRouteMatcher(routes: readonly RouteSpec[]): RouteMatcher {
  const tries = new Map<string, TrieNode>();
  for (const route of routes) {
    let root = tries.get(route.httpMethod);
    if (root === undefined) {
      root = newNode();
      tries.set(route.httpMethod, root);
    }
    insert(root, route);
  }
  return { match: (method, rawPath) => matchPath(tries, method, rawPath) };
}

function newNode(): TrieNode {
  return { literals: new Map(), wildcard: undefined, leaves: new Map(), deep: new Map() };
}

function insert(root: TrieNode, route: RouteSpec): void {
  let node = root;
  let leaves = node.leaves;
  route.segments.forEach((segment, i) => {
    if (segment.kind === "deep") {
      // http.proto: "`**` ... must be the last part of the path except the Verb".
      if (i !== route.segments.length - 1) {
        throw new Error(`${describe(route)}: "**" must be the last path segment`);
      }
      leaves = node.deep;
      return;
    }
    node = segment.kind === "literal" ? literalChild(node, segment.value) : wildcardChild(node);
    leaves = node.leaves;
  });
  const clash = leaves.get(route.verb);
  if (clash !== undefined) {
    throw new Error(`${describe(route)} is ambiguous with ${describe(clash.route)}`);
  }
  leaves.set(route.verb, {
    route,
    variables: route.variables.map((v) => compileVariable(route, v)),
  });
}

function literalChild(node: TrieNode, value: string): TrieNode {
  let child = node.literals.get(value);
  if (child === undefined) {
    child = newNode();
    node.literals.set(value, child);
  }
  return child;
}

function wildcardChild(node: TrieNode): TrieNode {
  node.wildcard ??= newNode();
  return node.wildcard;
}

function compileVariable(route: RouteSpec, v: RouteSpec["variables"][number]): CompiledVariable {
  const single = v.end === v.start + 1 && route.segments[v.start]?.kind === "wildcard";
  return { key: v.fieldPath.join("."), start: v.start, end: v.end, single };
}

function describe(route: RouteSpec): string {
  return `${route.httpMethod} ${route.pathTemplate} (${route.method.parent.typeName}.${route.method.name})`;
}

function matchPath(tries: Map<string, TrieNode>, method: string, rawPath: string): RouteMatch {
  // A request target that is not an absolute path ("*", "http://…") never matches.
  if (rawPath.charCodeAt(0) !== 47 /* "/" */) return NOT_FOUND;
  assertValidPercentEncoding(rawPath);
  // Split before decoding, so an encoded "%2F" never acts as a separator.
  const segments = rawPath.slice(1).split("/");
  const verbed = splitVerb(segments);
  if (verbed !== undefined) {
    const found = findRoute(tries, method, verbed.segments, verbed.verb);
    if (found !== undefined) return { route: found.route, params: extract(found, verbed.segments) };
  }
  const found = findRoute(tries, method, segments, "");
  if (found !== undefined) return { route: found.route, params: extract(found, segments) };
  const allowed = allowedMethods(tries, segments, verbed);
  return allowed.length > 0 ? { methodNotAllowed: allowed } : NOT_FOUND;
}

/**
 * splitVerb reads a ":" in the last segment as a custom verb (http.proto:
 * `Template = "/" Segments [ Verb ]`, `Verb = ":" LITERAL`): the segments
 * without it, and the verb. The caller tries that reading first and, when
 * no route has the verb, the whole segment as data (verb ""), as
 * grpc-gateway does: `/v1/books/a:b` reaches `/v1/books/{id}` with id "a:b".
 * undefined when the last segment has no ":" with a verb after it.
 */
function splitVerb(segments: readonly string[]): { segments: string[]; verb: string } | undefined {
  const last = segments.length - 1;
  const segment = segments[last]!;
  const colon = segment.lastIndexOf(":");
  if (colon < 0 || colon === segment.length - 1) return undefined;
  const stem = segments.slice(0, last);
  stem.push(segment.slice(0, colon));
  return { segments: stem, verb: segment.slice(colon + 1) };
}

function findRoute(
  tries: Map<string, TrieNode>,
  method: string,
  segments: readonly string[],
  verb: string,
): CompiledRoute | undefined {
  const root = tries.get(method);
  const found = root === undefined ? undefined : search(root, segments, 0, verb);
  // RFC 9110 §9.3.2: HEAD is GET without a body; fall back to GET bindings
  // unless the proto binds HEAD explicitly (a custom HttpRule kind).
  if (found === undefined && method === "HEAD") return findRoute(tries, "GET", segments, verb);
  return found;
}

function search(
  node: TrieNode,
  segments: readonly string[],
  i: number,
  verb: string,
): CompiledRoute | undefined {
  if (i === segments.length) return node.leaves.get(verb) ?? node.deep.get(verb);
  const segment = segments[i]!;
  const literal = node.literals.get(segment.includes("%") ? decodeSegment(segment) : segment);
  const viaLiteral = literal === undefined ? undefined : search(literal, segments, i + 1, verb);
  if (viaLiteral !== undefined) return viaLiteral;
  // A variable never captures an empty segment: "/v1/books/" (trailing
  // slash) and "/v1//books" match only a template that spells them out.
  if (segment === "") return undefined;
  const viaWildcard =
    node.wildcard === undefined ? undefined : search(node.wildcard, segments, i + 1, verb);
  if (viaWildcard !== undefined) return viaWildcard;
  if (node.deep.size === 0 || !restNonEmpty(segments, i)) return undefined;
  return node.deep.get(verb);
}

function restNonEmpty(segments: readonly string[], from: number): boolean {
  for (let i = from; i < segments.length; i++) if (segments[i] === "") return false;
  return true;
}

function extract(found: CompiledRoute, segments: readonly string[]): ReadonlyMap<string, string> {
  if (found.variables.length === 0) return NO_PARAMS;
  const params = new Map<string, string>();
  for (const v of found.variables) {
    if (v.single) {
      params.set(v.key, decodeSegment(segments[v.start]!));
    } else {
      const end = v.end === -1 ? segments.length : v.end;
      params.set(v.key, decodeReservedExpansion(segments.slice(v.start, end).join("/")));
    }
  }
  return params;
}

// The methods under which the path matches, in either reading of a ":" in
// its last segment (see splitVerb).
function allowedMethods(
  tries: Map<string, TrieNode>,
  segments: readonly string[],
  verbed: { segments: readonly string[]; verb: string } | undefined,
): string[] {
  const allowed: string[] = [];
  for (const [method, root] of tries) {
    const viaVerb =
      verbed !== undefined && search(root, verbed.segments, 0, verbed.verb) !== undefined;
    if (viaVerb || search(root, segments, 0, "") !== undefined) allowed.push(method);
  }
  // GET implies HEAD (see findRoute).
  if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
  return allowed.sort();
}
