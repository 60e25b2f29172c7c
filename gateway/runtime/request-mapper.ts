import {
  create,
  type DescField,
  type DescMessage,
  type JsonReadOptions,
  type JsonValue,
  type Message,
  mergeFromJson,
  type Registry,
  toJsonString,
} from "@bufbuild/protobuf";
import { isReflectMessage, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { fieldPathString, nestedJson } from "./field-lookup.js";
import { fieldError } from "./gateway-errors.js";
import { findInvalidBytes } from "./invalid-bytes.js";
import { paramJson } from "./param-value.js";
import { resolveQuery } from "./query-params.js";
import { planRequest, type RequestPlan } from "./request-plan.js";
import type { RouteSpec } from "./route-spec.js";

// Unknown JSON keys and enum names are errors, never silently dropped: a
// client built against a newer contract must hear that we did not apply them.
const STRICT: Partial<JsonReadOptions> = { ignoreUnknownFields: false };

// protobuf-es's base64 decoder skips whitespace, so bytes with any other
// character than these are refused before they decode to something else.
const NOT_BASE64 =
  'bytes must be standard or URL-safe base64 (A-Z a-z 0-9 + / - _ =); in a URL, send "+" as %2B';

/**
 * mapRequest builds the RPC request for a matched route, following
 * google/api/http.proto: the body fills the whole request (`body: "*"`) or
 * one top-level field, path variables fill their fields, and every other
 * field may come from the query string. Throws INVALID_ARGUMENT, with a
 * google.rpc.BadRequest naming the field where one is to blame.
 *
 * @param params path variables from the route matcher, by field path.
 * @param body the parsed JSON body, or undefined when the request had none.
 * @param registry the types a google.protobuf.Any may hold (routeTypeRegistry).
 */
export function mapRequest(
  route: RouteSpec,
  params: ReadonlyMap<string, string>,
  query: URLSearchParams,
  body: unknown,
  registry?: Registry,
): Message {
  const plan = planRequest(route);
  const message = create(plan.input) as Message;
  const options = registry === undefined ? STRICT : { ...STRICT, registry };
  if (body !== undefined) mergeBody(plan, message, body as JsonValue, options);
  for (const { key, fields } of plan.pathFields) {
    const raw = params.get(key);
    if (raw !== undefined) mergePathValue(plan, message, fields, raw, options);
  }
  for (const param of resolveQuery(plan, query)) {
    const what = `query parameter "${param.name}"`;
    mergeParam(plan.input, message, param.fields, param.json, what, options);
  }
  return message;
}

function mergeBody(
  plan: RequestPlan,
  message: Message,
  body: JsonValue,
  options: Partial<JsonReadOptions>,
): void {
  if (plan.body === "") {
    throw new ConnectError("this method takes no request body", Code.InvalidArgument);
  }
  // A field body is the JSON of that one field; wrapping it under the field's
  // name lets one strict fromJson handle any field type.
  const json = plan.body === "*" ? body : { [plan.body.name]: body };
  const badBytes = findInvalidBytes(plan.input, json);
  if (badBytes !== undefined) {
    throw fieldError(badBytes, `invalid request body: field "${badBytes}": ${NOT_BASE64}`);
  }
  try {
    mergeFromJson(plan.input, message, json, options);
  } catch (err) {
    throw new ConnectError(`invalid request body: ${errorText(err)}`, Code.InvalidArgument);
  }
}

/**
 * mergePathValue sets a path variable. http.proto: fields bound by the path
 * are taken from the path; a body that also sets one to a different value is
 * contradictory, and we say so rather than pick one silently.
 */
function mergePathValue(
  plan: RequestPlan,
  message: Message,
  fields: readonly DescField[],
  raw: string,
  options: Partial<JsonReadOptions>,
): void {
  const leaf = fields[fields.length - 1]!;
  const fromBody = plan.body === "" ? undefined : snapshot(plan.input, message, fields);
  const what = `path variable "${fieldPathString(fields)}"`;
  mergeParam(plan.input, message, fields, paramJson(leaf, raw), what, options);
  if (fromBody !== undefined && fromBody !== snapshot(plan.input, message, fields)) {
    const path = fieldPathString(fields);
    throw fieldError(path, `field "${path}" in the body differs from the URL path`);
  }
}

/**
 * mergeParam merges one URL value (already ProtoJSON) at a field path;
 * `what` names its source in errors, e.g. `query parameter "pageSize"`.
 */
function mergeParam(
  input: DescMessage,
  message: Message,
  fields: readonly DescField[],
  json: JsonValue,
  what: string,
  options: Partial<JsonReadOptions>,
): void {
  const leaf = fields[fields.length - 1]!;
  if (leaf.oneof !== undefined) assertOneofFree(input, message, fields, what);
  const path = fieldPathString(fields);
  const nested = nestedJson(fields, json);
  if (findInvalidBytes(input, nested) !== undefined) {
    throw fieldError(path, `invalid ${what}: ${NOT_BASE64}`);
  }
  try {
    mergeFromJson(input, message, nested as JsonValue, options);
  } catch (err) {
    throw fieldError(path, `invalid ${what}: ${errorText(err)}`);
  }
}

// Two members of one oneof (from the query, or the body and the query) would
// otherwise silently overwrite each other.
function assertOneofFree(
  input: DescMessage,
  message: Message,
  fields: readonly DescField[],
  what: string,
): void {
  const parent = reflectAt(input, message, fields.slice(0, -1));
  const leaf = fields[fields.length - 1]!;
  const current = parent?.oneofCase(leaf.oneof!);
  if (current !== undefined && current !== leaf) {
    const path = fieldPathString(fields);
    throw fieldError(
      path,
      `${what} conflicts with "${current.name}": both belong to oneof "${leaf.oneof!.name}"`,
    );
  }
}

/** reflectAt walks set message fields; undefined when one on the way is unset. */
function reflectAt(
  input: DescMessage,
  message: Message,
  fields: readonly DescField[],
): ReflectMessage | undefined {
  let r: ReflectMessage = reflect(input, message);
  for (const field of fields) {
    if (!r.isSet(field)) return undefined;
    const next = r.get(field);
    if (!isReflectMessage(next)) return undefined;
    r = next;
  }
  return r;
}

/** snapshot returns a comparable form of a set leaf, or undefined when it is unset. */
function snapshot(input: DescMessage, message: Message, fields: readonly DescField[]): unknown {
  const parent = reflectAt(input, message, fields.slice(0, -1));
  const leaf = fields[fields.length - 1]!;
  if (parent === undefined || !parent.isSet(leaf)) return undefined;
  const value = parent.get(leaf);
  if (isReflectMessage(value)) return toJsonString(value.desc, value.message);
  return value instanceof Uint8Array ? base64Encode(value) : value;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
