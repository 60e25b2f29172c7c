import type { RouteDeprecation } from "./route-deprecation.js";

// How a deprecated operation tells OpenAPI readers what the gateway's
// headers tell HTTP clients: `deprecated: true` (set by the operation), a
// paragraph with the dates and the migration guide, and the headers on each
// response, with the exact values this operation sends.

/** deprecationNote is the paragraph a deprecated operation's description ends with. */
export function deprecationNote(deprecation: RouteDeprecation): string {
  const sunset =
    deprecation.sunsetTime === undefined
      ? "No sunset date is set yet."
      : `It may stop answering after ${isoDate(deprecation.sunsetTime)} (its sunset).`;
  const guide = deprecation.link === undefined ? "" : ` Migration guide: ${deprecation.link}`;
  return `**Deprecated** since ${isoDate(deprecation.deprecationTime)}. ${sunset}${guide}`;
}

/** withDeprecationHeaders adds the deprecation headers to a response object's own, when deprecated. */
export function withDeprecationHeaders(
  response: { readonly headers?: Record<string, object> },
  deprecation: RouteDeprecation | undefined,
): object {
  if (deprecation === undefined) return response;
  const headers: Record<string, object> = { ...response.headers };
  for (const [name, value] of deprecation.headers) {
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    headers[title] = {
      description: HEADER_DESCRIPTIONS[name],
      schema: { type: "string", const: value },
    };
  }
  return { ...response, headers };
}

const HEADER_DESCRIPTIONS: Record<string, string> = {
  deprecation: "When this operation was deprecated, as `@` and Unix seconds (RFC 9745).",
  sunset: "When this operation may stop answering, as an HTTP-date (RFC 8594).",
  link: 'The migration guide: rel="deprecation" (RFC 9745), and rel="sunset" (RFC 8594) once a sunset is set.',
};

function isoDate(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}
