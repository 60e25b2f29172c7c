import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default
// import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** OpenApiDocument is the slice of an OpenAPI 3.1 document the validator reads. */
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: {
    readonly schemas: Record<string, unknown>;
    readonly responses?: Record<string, ResponseObject>;
  };
}

interface Operation {
  readonly operationId?: string;
  readonly responses: Record<string, ResponseObject | { $ref: string }>;
}

interface ResponseObject {
  readonly content?: Record<string, { schema?: unknown }>;
}

/** ReceivedResponse is what a test got back over HTTP. */
export interface ReceivedResponse {
  readonly status: number;
  readonly contentType: string | null;
  /** The raw body text. */
  readonly body: string;
}

/** OpenApiValidator checks real responses against the document. */
export interface OpenApiValidator {
  /** problems lists why the response breaks the document; empty when it conforms. */
  problems(method: string, path: string, response: ReceivedResponse): string[];
  /** assertConforms throws (failing the test) when `problems` is not empty. */
  assertConforms(method: string, path: string, response: ReceivedResponse): void;
}

const OPENAPI_FILE = new URL("../../gen/openapi.json", import.meta.url);
const DEFS_ID = "https://protoplane.test/openapi-schemas.json";
const ERROR_REF = "#/components/schemas/Error";

/**
 * createOpenApiValidator compiles the response schemas of gen/openapi.json
 * with ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12) and checks a
 * response by its operation (method + concrete path) and status: the
 * status's own response, else `default` for errors. A path or method the
 * document does not know may only answer with the `Error` envelope.
 *
 * Objects are checked closed (`unevaluatedProperties: false`) although the
 * document leaves them open: a field the gateway sends but the document
 * omits is invisible to every generated client, so it is a bug here.
 */
export function createOpenApiValidator(
  doc: OpenApiDocument = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as OpenApiDocument,
): OpenApiValidator {
  const ajv = createAjv(doc);
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (ref: string) => {
    let validate = compiled.get(ref);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `${DEFS_ID}#/$defs/${schemaName(ref)}` });
      compiled.set(ref, validate);
    }
    return validate;
  };
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    pattern: templatePattern(template),
    literals: template.replace(/\{[^}]*\}/g, "").length,
  }));
  const problems = (method: string, path: string, response: ReceivedResponse): string[] => {
    const schemaRef = responseSchemaRef(doc, templates, method, path, response.status);
    if (typeof schemaRef !== "string") return [schemaRef.problem];
    if (!/^application\/json\b/.test(response.contentType ?? "")) {
      return [`content-type is ${response.contentType}, expected application/json`];
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`body is not JSON: ${response.body.slice(0, 200)}`];
    }
    const validate = validatorFor(schemaRef);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${schemaName(schemaRef)}${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
    );
  };
  return {
    problems,
    assertConforms(method, path, response) {
      const found = problems(method, path, response);
      if (found.length > 0) {
        throw new Error(
          `${method} ${path} → ${response.status} does not conform to gen/openapi.json:\n  ${found.join("\n  ")}\nbody: ${response.body.slice(0, 500)}`,
        );
      }
    },
  };
}

function createAjv(doc: OpenApiDocument): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // ProtoJSON writes 64-bit integers as decimal strings (`type: string,
  // format: int64`); ajv-formats' int64 only checks numbers.
  ajv.addFormat("int64", { type: "string", validate: /^-?\d{1,20}$/ });
  // Annotation keywords of the OpenAPI 3.1 schema dialect and extensions.
  const schemas = closeObjects(rewriteRefs(doc.components.schemas)) as Record<string, unknown>;
  for (const keyword of [
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    ...extensions(schemas),
  ]) {
    ajv.addKeyword({ keyword });
  }
  ajv.addSchema({ $id: DEFS_ID, $defs: schemas });
  return ajv;
}

type Template = { template: string; pattern: RegExp; literals: number };

function responseSchemaRef(
  doc: OpenApiDocument,
  templates: readonly Template[],
  method: string,
  path: string,
  status: number,
): string | { problem: string } {
  const rawPath = path.split("?")[0]!;
  // The most specific template wins: `/v1/orders/{id}:cancel` over `/v1/orders/{id}`.
  const template = templates
    .filter((t) => t.pattern.test(rawPath))
    .sort((a, b) => b.literals - a.literals)[0];
  const operation = template ? doc.paths[template.template]?.[method.toLowerCase()] : undefined;
  if (operation === undefined) {
    if (status >= 400) return ERROR_REF;
    return { problem: `${method} ${rawPath} is not in the document, yet answered ${status}` };
  }
  let response =
    operation.responses[String(status)] ??
    (status >= 400 ? operation.responses.default : undefined);
  if (response === undefined) {
    return { problem: `${operation.operationId}: status ${status} is not documented` };
  }
  if ("$ref" in response) response = resolveResponse(doc, response.$ref);
  const schema = (response as ResponseObject).content?.["application/json"]?.schema as
    | { $ref?: string }
    | undefined;
  if (schema?.$ref === undefined) {
    return { problem: `${operation.operationId}: ${status} has no application/json $ref schema` };
  }
  return schema.$ref;
}

function resolveResponse(doc: OpenApiDocument, ref: string): ResponseObject {
  const name = ref.replace("#/components/responses/", "");
  const response = doc.components.responses?.[name];
  if (response === undefined) throw new Error(`unresolved ${ref}`);
  return response;
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

function schemaName(ref: string): string {
  return ref.replace("#/components/schemas/", "");
}

// `#/components/schemas/X` → `#/$defs/X`, so the schemas compile as one
// standalone 2020-12 document without the OpenAPI wrapper.
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === "$ref" && typeof v === "string"
        ? v.replace("#/components/schemas/", "#/$defs/")
        : rewriteRefs(v),
    ]),
  );
}

function closeObjects(schemas: unknown): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas as Record<string, unknown>)) {
    out[name] = closeSchema(schema);
  }
  return out;
}

function closeSchema(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const schema: Record<string, unknown> = { ...value };
  if (schema.properties !== undefined) schema.properties = closeObjects(schema.properties);
  for (const key of ["items", "additionalProperties", "not"]) {
    if (schema[key] !== undefined) schema[key] = closeSchema(schema[key]);
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as unknown[]).map(closeSchema);
  }
  const open = !("additionalProperties" in schema) && !("unevaluatedProperties" in schema);
  if (schema.properties !== undefined && open) schema.unevaluatedProperties = false;
  return schema;
}

function extensions(value: unknown, found = new Set<string>()): Set<string> {
  if (value === null || typeof value !== "object") return found;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("x-")) found.add(k);
    extensions(v, found);
  }
  return found;
}
