import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { isPublic } from "./annotations.js";
import { RuleError, resolvePathVariable, resolveTopLevelField } from "./field-paths.js";
import { BindingError, collectHttpBindings, type HttpBinding } from "./http-rules.js";
import {
  type PathTemplate,
  PathTemplateError,
  parsePathTemplate,
  templateShape,
} from "./path-template.js";
import { compileDeprecation, type RouteDeprecation } from "./route-deprecation.js";

/**
 * GatewayRoute is an HTTP binding checked against the RPC's messages, with
 * its path template compiled: everything the route table and the OpenAPI
 * document need.
 */
export interface GatewayRoute extends HttpBinding {
  readonly template: PathTemplate;
  /** The first segment of the proto package, e.g. "identity" for identity.v1. */
  readonly upstream: string;
  /** The RPC or its service is marked `deprecated = true`. */
  readonly deprecated: boolean;
  /** Its `platform.v1.deprecation` dates and headers, set exactly when `deprecated`. */
  readonly deprecation: RouteDeprecation | undefined;
}

/** GatewayCodegenError lists every problem found in the HTTP rules, each naming its file, RPC and rule. */
export class GatewayCodegenError extends Error {
  override name = "GatewayCodegenError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid HTTP rules:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

/**
 * compileRoutes compiles the HTTP bindings of the given services, ordered by
 * service name, then RPC and binding in declaration order, so the output is
 * stable however the request lists its files. It checks all of them before
 * failing, so one run reports every mistake.
 */
export function compileRoutes(services: readonly DescService[]): GatewayRoute[] {
  const problems: string[] = [];
  const sorted = [...services].sort((a, b) => compareStrings(a.typeName, b.typeName));
  const routes = sorted.flatMap((s) => s.methods.flatMap((m) => compileMethod(m, problems)));
  problems.push(...findConflicts(routes));
  if (problems.length > 0) throw new GatewayCodegenError(problems);
  return routes;
}

function compileMethod(method: DescMethod, problems: string[]): GatewayRoute[] {
  let bindings: HttpBinding[];
  let deprecation: RouteDeprecation | undefined;
  try {
    bindings = collectHttpBindings(method);
    if (bindings.length === 0) return [];
    checkPublic(method);
    deprecation = compileDeprecation(method);
  } catch (e) {
    problems.push(describeProblem(method, e instanceof BindingError ? e.binding : 0, e));
    return [];
  }
  const routes: GatewayRoute[] = [];
  for (const binding of bindings) {
    try {
      routes.push(compileBinding(binding, deprecation));
    } catch (e) {
      problems.push(describeProblem(method, binding.binding, e));
    }
  }
  return routes;
}

/**
 * An HTTP binding is a promise to public clients; the policy must agree,
 * or every call through the gateway would be refused.
 */
function checkPublic(method: DescMethod): void {
  if (!isPublic(method)) {
    throw new RuleError("has an HTTP binding but its platform.v1.policy is not public");
  }
}

function compileBinding(
  binding: HttpBinding,
  deprecation: RouteDeprecation | undefined,
): GatewayRoute {
  const { method } = binding;
  if (method.methodKind !== "unary") {
    throw new RuleError(`only unary RPCs can have HTTP bindings, this one is ${method.methodKind}`);
  }
  const template = parsePathTemplate(binding.pathTemplate);
  for (const variable of template.variables) {
    resolvePathVariable(method.input, variable.fieldPath);
  }
  checkBody(binding);
  if (binding.responseBody !== "") {
    resolveTopLevelField(method.output, binding.responseBody, "response_body");
  }
  return {
    ...binding,
    template,
    upstream: upstreamOf(method.parent),
    deprecated: deprecation !== undefined,
    deprecation,
  };
}

function checkBody(binding: HttpBinding): void {
  if (binding.body === "") return;
  // RFC 9110 gives content in GET and HEAD requests no meaning, and
  // http.proto's own examples never map a body for GET; many proxies drop it.
  if (binding.httpMethod === "GET" || binding.httpMethod === "HEAD") {
    throw new RuleError(`${binding.httpMethod} cannot have a body (body: "${binding.body}")`);
  }
  if (binding.body !== "*") {
    resolveTopLevelField(binding.method.input, binding.body, "body");
  }
}

function upstreamOf(service: DescService): string {
  const pkg = service.file.proto.package;
  if (pkg === "") {
    throw new RuleError("the service has no proto package; its first segment names the upstream");
  }
  return pkg.split(".")[0]!;
}

/** Two bindings conflict when they have the same HTTP method and match the same paths. */
function findConflicts(routes: readonly GatewayRoute[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, GatewayRoute>();
  for (const route of routes) {
    const key = `${route.httpMethod} ${templateShape(route.template)}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, route);
      continue;
    }
    const reason =
      `${route.httpMethod} ${route.pathTemplate} matches the same requests as ` +
      `${describeBinding(first.method, first.binding)} (${first.httpMethod} ${first.pathTemplate})`;
    problems.push(describeProblem(route.method, route.binding, new RuleError(reason)));
  }
  return problems;
}

/** describeProblem prefixes a rule error with where it is: file, RPC and binding. */
function describeProblem(method: DescMethod, binding: number, error: unknown): string {
  if (!(error instanceof RuleError || error instanceof PathTemplateError)) throw error;
  return `${method.parent.file.proto.name}: ${describeBinding(method, binding)}: ${error.message}`;
}

function describeBinding(method: DescMethod, binding: number): string {
  const rpc = `rpc ${method.parent.typeName}.${method.name}`;
  return binding === 0 ? rpc : `${rpc} additional_bindings[${binding - 1}]`;
}

/** compareStrings orders by UTF-16 code units, independent of the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
