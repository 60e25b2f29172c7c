import type { DescService } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import { compareStrings, GatewayCodegenError, type GatewayRoute } from "./compile-routes.js";
import { resolveTopLevelField } from "./field-paths.js";
import {
  apiDescription,
  errorSchema,
  idempotencyKeyParameter,
  requestIdParameter,
} from "./openapi-conventions.js";
import { deprecationNote, withDeprecationHeaders } from "./openapi-deprecation.js";
import { headerComponents } from "./openapi-headers.js";
import { openApiPath, pathParameters, renderPath } from "./openapi-paths.js";
import { queryParameters } from "./openapi-query.js";
import {
  type EdgeOperation,
  edgeResponses,
  responseComponents,
  successHeaders,
} from "./openapi-responses.js";
import {
  createSchemaComponents,
  fieldTypeSchema,
  type JsonSchema,
  messageSchema,
  messageTypeSchema,
  type SchemaComponents,
  wellKnownSchema,
} from "./openapi-schema.js";
import { operationSecurity, policyNote, securitySchemes } from "./openapi-security.js";
import { commentText, joinText, summaryOf } from "./proto-comments.js";
import { routePolicyOf } from "./route-policy.js";

/** OPENAPI_FILE is where the document goes, relative to the plugin's `out` directory. */
export const OPENAPI_FILE = "openapi.json";

/** OpenApiOptions are the document's plugin options. */
export interface OpenApiOptions {
  /** `info.title`. */
  readonly title: string;
  /** `info.version`, the version of the API (not of the document format). */
  readonly apiVersion: string;
}

/** generateOpenApi writes the OpenAPI 3.1 document of the routes. */
export function generateOpenApi(
  schema: Schema,
  header: string,
  routes: readonly GatewayRoute[],
  options: OpenApiOptions,
): void {
  const f = schema.generateFile(OPENAPI_FILE);
  f.print(JSON.stringify(openApiDocument(header, routes, options), undefined, 2));
}

/** openApiDocument builds the document: one operation per binding, one schema per message it reaches. */
export function openApiDocument(
  header: string,
  routes: readonly GatewayRoute[],
  options: OpenApiOptions,
): object {
  const components = createSchemaComponents();
  const labels = serviceLabels(routes);
  const paths = generatePaths(routes, labels, components);
  return {
    "x-generated": header,
    openapi: "3.1.0",
    info: { title: options.title, version: options.apiVersion, description: apiDescription },
    servers: [{ url: "/" }],
    tags: generateTags(routes, labels),
    paths,
    components: {
      schemas: { ...components.all(), Error: errorSchema },
      responses: responseComponents,
      parameters: { IdempotencyKey: idempotencyKeyParameter, RequestId: requestIdParameter },
      headers: headerComponents,
      securitySchemes,
    },
  };
}

function generatePaths(
  routes: readonly GatewayRoute[],
  labels: Map<DescService, string>,
  components: SchemaComponents,
): Record<string, Record<string, object>> {
  const paths: Record<string, Record<string, object>> = {};
  const shapes = new Map<string, { path: string; names: readonly string[]; first: GatewayRoute }>();
  for (const route of routes) {
    const method = operationMethod(route.httpMethod);
    if (method === undefined) continue; // A custom method OpenAPI cannot describe (e.g. LOCK); routed all the same.
    const { key, names } = openApiPath(route.template);
    const shape = shapes.get(key) ?? {
      path: renderPath(route.template, names),
      names,
      first: route,
    };
    shapes.set(key, shape);
    const item = paths[shape.path] ?? {};
    paths[shape.path] = item;
    if (item[method] !== undefined) throw sharedOperation(route, shape.first, shape.path);
    item[method] = generateOperation(route, shape.names, labels, components);
  }
  return paths;
}

function generateOperation(
  route: GatewayRoute,
  pathNames: readonly string[],
  labels: Map<DescService, string>,
  components: SchemaComponents,
): object {
  const { method } = route;
  const comment = commentText(method);
  const summary = summaryOf(comment);
  const label = labels.get(method.parent)!;
  const policy = routePolicyOf(method);
  const edge: EdgeOperation = { policy, keyed: acceptsIdempotencyKey(route, policy.anonymous) };
  const parameters = [
    ...pathParameters(route, pathNames, components),
    ...queryParameters(route, components),
    ...(edge.keyed ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : []),
    { $ref: "#/components/parameters/RequestId" },
  ];
  return {
    operationId: `${label.replaceAll(".", "_")}_${method.name}${route.binding === 0 ? "" : `_${route.binding}`}`,
    tags: [label],
    summary: summary || undefined,
    description: generateDescription(route, comment, summary, edge),
    deprecated: route.deprecated || undefined,
    security: operationSecurity(policy),
    parameters,
    requestBody: generateRequestBody(route, components),
    responses: generateResponses(route, components, edge),
  };
}

/** generateDescription is the comment past its summary, then the policy, then the deprecation dates. */
function generateDescription(
  route: GatewayRoute,
  comment: string,
  summary: string,
  edge: EdgeOperation,
): string {
  return joinText(
    comment !== `${summary}.` ? comment : undefined,
    policyNote(edge.policy),
    route.deprecation === undefined ? undefined : deprecationNote(route.deprecation),
  );
}

/** generateResponses is the 200 with the edge's headers, then the edge's error responses. */
function generateResponses(
  route: GatewayRoute,
  components: SchemaComponents,
  edge: EdgeOperation,
): Record<string, object> {
  const success = { ...generateResponse(route, components), headers: successHeaders(edge) };
  const responses: Record<string, object> = {
    "200": withDeprecationHeaders(success, route.deprecation),
  };
  for (const [status, name] of edgeResponses(edge)) {
    // A $ref cannot take extra headers (OpenAPI 3.1 Reference Object): inline it then.
    responses[status] =
      route.deprecation === undefined
        ? { $ref: `#/components/responses/${name}` }
        : withDeprecationHeaders(responseComponents[name], route.deprecation);
  }
  return responses;
}

function generateRequestBody(
  route: GatewayRoute,
  components: SchemaComponents,
): object | undefined {
  const input = route.method.input;
  if (route.body === "") return undefined;
  if (route.body === "*") {
    // The whole request, minus the top-level fields the path already carries.
    const inPath = route.template.variables.filter((v) => v.fieldPath.length === 1);
    const schema =
      inPath.length === 0
        ? messageTypeSchema(input, components)
        : messageSchema(input, components, new Set(inPath.map((v) => v.fieldPath[0]!)));
    return { required: true, content: jsonContent(schema) };
  }
  const field = resolveTopLevelField(input, route.body, "body");
  return {
    description: commentText(field) || undefined,
    required: true,
    content: jsonContent(fieldTypeSchema(field, components)),
  };
}

function generateResponse(route: GatewayRoute, components: SchemaComponents): object {
  const output = route.method.output;
  const field =
    route.responseBody === ""
      ? undefined
      : resolveTopLevelField(output, route.responseBody, "response_body");
  // A well-known type's comment documents the type, not this response.
  const comment =
    field !== undefined
      ? commentText(field)
      : wellKnownSchema(output.typeName)
        ? ""
        : commentText(output);
  const description = comment || "OK";
  // A HEAD response has the headers of the GET it mirrors and no content.
  if (route.httpMethod === "HEAD") return { description };
  const schema =
    field === undefined
      ? messageTypeSchema(output, components)
      : fieldTypeSchema(field, components);
  return { description, content: jsonContent(schema) };
}

function jsonContent(schema: JsonSchema): object {
  return { "application/json": { schema } };
}

/**
 * Only POST and PATCH take Idempotency-Key: the other methods are idempotent
 * by definition (RFC 9110 §9.2.2). Anonymous ones ignore it: their answers
 * carry credentials, never stored (create-gateway-handler.ts idempotencyKeyOf).
 */
function acceptsIdempotencyKey(route: GatewayRoute, anonymous: boolean): boolean {
  return !anonymous && (route.httpMethod === "POST" || route.httpMethod === "PATCH");
}

/** operationMethod maps an HTTP method to its OpenAPI operation key, or undefined if OpenAPI has none. */
function operationMethod(httpMethod: string): string | undefined {
  const method = httpMethod.toLowerCase();
  const known = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  return known.includes(method) && httpMethod === httpMethod.toUpperCase() ? method : undefined;
}

function generateTags(routes: readonly GatewayRoute[], labels: Map<DescService, string>): object[] {
  const services = [...new Set(routes.map((r) => r.method.parent))];
  return services.map((s) => ({ name: labels.get(s)!, description: commentText(s) || undefined }));
}

/**
 * serviceLabels names each service in tags and operation ids: its short
 * name, or its full name when two packages both have a service of that name.
 */
function serviceLabels(routes: readonly GatewayRoute[]): Map<DescService, string> {
  const services = [...new Set(routes.map((r) => r.method.parent))].sort((a, b) =>
    compareStrings(a.typeName, b.typeName),
  );
  const count = (name: string) => services.filter((s) => s.name === name).length;
  return new Map(services.map((s) => [s, count(s.name) > 1 ? s.typeName : s.name]));
}

function sharedOperation(
  route: GatewayRoute,
  first: GatewayRoute,
  path: string,
): GatewayCodegenError {
  const where = (r: GatewayRoute) => `rpc ${r.method.parent.typeName}.${r.method.name}`;
  return new GatewayCodegenError([
    `${route.method.parent.file.proto.name}: ${where(route)}: ${route.httpMethod} ${route.pathTemplate} ` +
      `and ${where(first)} (${first.httpMethod} ${first.pathTemplate}) are both ${route.httpMethod} ${path} ` +
      "in OpenAPI, which cannot tell them apart",
  ]);
}
