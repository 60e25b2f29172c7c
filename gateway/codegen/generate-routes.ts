import { posix } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import type { GeneratedFile, Schema } from "@bufbuild/protoplugin";
import type { SegmentSpec } from "../runtime/route-spec.js";
import type { GatewayRoute } from "./compile-routes.js";
import type { TemplateVariable } from "./path-template.js";

/** ROUTES_FILE is where the route table goes, relative to the plugin's `out` directory. */
export const ROUTES_FILE = "gateway/routes.ts";

/** The runtime contract, relative to ROUTES_FILE when `out` is gen/ at the repository root. */
const ROUTE_SPEC_MODULE = "../../gateway/runtime/route-spec.js";

/**
 * generateRoutes writes the route table: one RouteSpec literal per binding,
 * with the template already compiled, pointing at the RPC descriptors that
 * protoc-gen-es generates next to it.
 */
export function generateRoutes(
  schema: Schema,
  header: string,
  routes: readonly GatewayRoute[],
): void {
  const f = schema.generateFile(ROUTES_FILE);
  f.print(`// ${header}`);
  f.print("/* eslint-disable */");
  f.print();
  const serviceNames = generateImports(f, schema, routes);
  f.print();
  f.print("/**");
  f.print(" * routes lists every HTTP binding of the RPCs (google.api.http and its");
  f.print(" * additional_bindings), by service, then RPC and binding in proto order.");
  f.print(" */");
  f.print("export const routes: readonly RouteSpec[] = [");
  for (const route of routes) generateRoute(f, route, serviceNames);
  f.print("];");
}

/** generateImports imports RouteSpec and each service descriptor; returns the identifier of each service. */
function generateImports(
  f: GeneratedFile,
  schema: Schema,
  routes: readonly GatewayRoute[],
): Map<DescService, string> {
  f.print(
    `import type { RouteSpec } from ${literal(withImportExtension(schema, ROUTE_SPEC_MODULE))};`,
  );
  const names = new Map<DescService, string>();
  const modules = new Map<string, string[]>();
  for (const service of new Set(routes.map((r) => r.method.parent))) {
    // The name protoc-gen-es gives the descriptor; an alias only when two services share it.
    const { name, from } = f.importSchema(service);
    const taken = [...names.values()].includes(name);
    const local = taken ? service.typeName.replaceAll(".", "_") : name;
    names.set(service, local);
    const path = importPath(schema, from);
    modules.set(path, [
      ...(modules.get(path) ?? []),
      local === name ? name : `${name} as ${local}`,
    ]);
  }
  for (const [path, imported] of modules) {
    f.print(`import { ${imported.join(", ")} } from ${literal(path)};`);
  }
  return names;
}

function generateRoute(
  f: GeneratedFile,
  route: GatewayRoute,
  serviceNames: Map<DescService, string>,
): void {
  const { method, template } = route;
  const binding = route.binding === 0 ? "" : `, additional_bindings[${route.binding - 1}]`;
  f.print(`  // ${method.parent.typeName}.${method.name}${binding}`);
  f.print("  {");
  f.print(`    httpMethod: ${literal(route.httpMethod)},`);
  f.print(`    pathTemplate: ${literal(route.pathTemplate)},`);
  f.print(`    segments: [${template.segments.map(segmentLiteral).join(", ")}],`);
  f.print(`    verb: ${literal(template.verb)},`);
  f.print(`    variables: [${template.variables.map(variableLiteral).join(", ")}],`);
  f.print(`    body: ${literal(route.body)},`);
  f.print(`    responseBody: ${literal(route.responseBody)},`);
  f.print(`    method: ${serviceNames.get(method.parent)}.method.${method.localName},`);
  f.print(`    upstream: ${literal(route.upstream)},`);
  f.print(`    deprecated: ${route.deprecated},`);
  if (route.deprecation !== undefined) {
    f.print("    deprecationHeaders: [");
    for (const [name, value] of route.deprecation.headers) {
      f.print(`      [${literal(name)}, ${literal(value)}],`);
    }
    f.print("    ],");
  }
  f.print("  },");
}

function segmentLiteral(segment: SegmentSpec): string {
  return segment.kind === "literal"
    ? `{ kind: "literal", value: ${literal(segment.value)} }`
    : `{ kind: ${literal(segment.kind)} }`;
}

function variableLiteral(variable: TemplateVariable): string {
  const fieldPath = variable.fieldPath.map(literal).join(", ");
  return `{ fieldPath: [${fieldPath}], start: ${variable.start}, end: ${variable.end} }`;
}

/** importPath makes a protoc-gen-es import path (relative to `out`) relative to the route table. */
function importPath(schema: Schema, from: string): string {
  const relative = posix.relative(posix.dirname(ROUTES_FILE), from);
  return withImportExtension(schema, relative.startsWith(".") ? relative : `./${relative}`);
}

/** withImportExtension applies the plugin option `import_extension` the way protoc-gen-es does. */
function withImportExtension(schema: Schema, path: string): string {
  const base = path.replace(/\.js$/, "");
  switch (schema.options.importExtension) {
    case "none":
      return base;
    case "ts":
      return `${base}.ts`;
    default:
      return `${base}.js`;
  }
}

function literal(value: string): string {
  return JSON.stringify(value);
}
