import type { DescMethod } from "@bufbuild/protobuf";

/**
 * RouteSpec is one HTTP binding of an RPC (`google.api.http`, or one of its
 * `additional_bindings`), compiled at generate time by gateway/codegen into
 * gen/gateway/routes.ts. The runtime only matches and maps; it never parses a
 * path template. This file is the contract between the two.
 */
export interface RouteSpec {
  /** GET, PUT, POST, DELETE, PATCH, or a custom method's kind (e.g. HEAD). */
  readonly httpMethod: string;
  /** The template as written in the proto, e.g. `/v1/{name=shelves/*}/books/*`. */
  readonly pathTemplate: string;
  /** The template's segments before the verb, in order. */
  readonly segments: readonly SegmentSpec[];
  /** The custom verb after the last ":" (e.g. "cancel"), or "" for none. */
  readonly verb: string;
  /** Request fields bound by the path, each with the segments it captures. */
  readonly variables: readonly VariableSpec[];
  /** "" (no body), "*" (the whole request) or the proto name of a top-level request field. */
  readonly body: string;
  /** "" (the whole response) or the proto name of a top-level response field. */
  readonly responseBody: string;
  /** The RPC, from the generated descriptors. */
  readonly method: DescMethod;
  /** The upstream service: the first segment of the proto package ("identity" for identity.v1). */
  readonly upstream: string;
  /** The RPC (or its service) is marked `deprecated = true` in the proto. */
  readonly deprecated: boolean;
  /**
   * The response headers of a deprecated route, as [name, value] pairs set
   * on every response, errors included: `deprecation` (RFC 9745), and
   * `sunset` (RFC 8594) and `link` when its `platform.v1.deprecation` gives
   * them. Formatted at generate time; absent when the route is not deprecated.
   */
  readonly deprecationHeaders?: readonly (readonly [name: string, value: string])[];
}

/** SegmentSpec is one path segment: a literal, `*` (one segment) or `**` (the rest). */
export type SegmentSpec =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "wildcard" }
  | { readonly kind: "deep" };

/**
 * VariableSpec binds the segments [start, end) to a request field. `end` is
 * -1 when the variable ends with `**` and takes the rest of the path. A
 * variable spanning one `*` segment is fully percent-decoded; a multi-segment
 * one keeps `%2F` encoded (HttpRule's reserved expansion rules).
 */
export interface VariableSpec {
  /** Proto field names from the request root, e.g. ["book", "author", "name"]. */
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
}
