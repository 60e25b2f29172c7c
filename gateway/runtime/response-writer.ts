import type { ServerResponse } from "node:http";
import {
  type DescField,
  type JsonObject,
  type Message,
  type Registry,
  toJson,
} from "@bufbuild/protobuf";
import type { RouteSpec } from "./route-spec.js";

/**
 * The public JSON form (DESIGN.md): proto field names (snake_case) on
 * output; int64 as strings and enums as names (ProtoJSON's defaults).
 *
 * `alwaysEmitImplicit: true` departs from ProtoJSON's and grpc-gateway's
 * default of omitting zero values: clients of a public API expect a stable
 * shape (Stripe's and GitHub's objects always carry every key), so
 * `"has_more": false`, `"count": "0"` and `"tags": []` are always present
 * instead of silently missing. Fields with explicit presence (messages,
 * `optional`, oneof members) are still omitted when unset.
 */
const JSON_OPTIONS = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

const responseFields = new WeakMap<RouteSpec, DescField | null>();

/**
 * planResponse resolves a route's `response_body` field once; it throws on
 * a field the output message does not have, so the gateway can check every
 * route at startup.
 */
export function planResponse(route: RouteSpec): DescField | null {
  let field = responseFields.get(route);
  if (field === undefined) {
    field = resolveResponseField(route);
    responseFields.set(route, field);
  }
  return field;
}

function resolveResponseField(route: RouteSpec): DescField | null {
  if (route.responseBody === "") return null;
  const output = route.method.output;
  // http.proto: response_body names "a field at the top level of the response message".
  const field = output.fields.find((f) => f.name === route.responseBody);
  if (field === undefined) {
    throw new Error(
      `route ${route.httpMethod} ${route.pathTemplate}: response_body "${route.responseBody}" is not in ${output.typeName}`,
    );
  }
  return field;
}

/**
 * responseJson renders an RPC response as the route's JSON body: the whole
 * message, or the one field `response_body` selects (`null` when that field
 * has explicit presence and is unset). `registry` holds the types a
 * google.protobuf.Any may hold (routeTypeRegistry).
 */
export function responseJson(route: RouteSpec, message: Message, registry?: Registry): string {
  const options = registry === undefined ? JSON_OPTIONS : { ...JSON_OPTIONS, registry };
  const json = toJson(route.method.output, message, options);
  const field = planResponse(route);
  if (field === null) return JSON.stringify(json);
  return JSON.stringify((json as JsonObject)[field.name] ?? null);
}

/**
 * writeJson sends a complete JSON response. For HEAD it sends the same
 * headers, Content-Length included, and no body (RFC 9110 §9.3.2).
 */
export function writeJson(res: ServerResponse, status: number, body: string, head: boolean): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(body));
  if (head) res.end();
  else res.end(body);
}
