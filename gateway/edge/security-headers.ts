import type { ServerResponse } from "node:http";

/**
 * SECURITY_HEADERS are set on every gateway response, errors and 404s
 * included (OWASP Secure Headers Project, "HTTP API" profile). The API
 * answers JSON only, so its CSP forbids everything: a response that a
 * browser is tricked into rendering can load, run and frame nothing. The
 * `/docs` page replaces the CSP with its own, which admits its same-origin
 * assets (gateway/docs/create-docs-handler.ts).
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  // RFC 6797: two years, the HSTS preload list's minimum. Browsers ignore
  // it over plain HTTP (§8.1), so it only takes effect behind TLS.
  ["strict-transport-security", "max-age=63072000; includeSubDomains"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  // No MIME sniffing: a JSON body is never reinterpreted as HTML or script.
  ["x-content-type-options", "nosniff"],
  // frame-ancestors' predecessor, for browsers that ignore CSP.
  ["x-frame-options", "DENY"],
  // Request URLs may carry ids and cursors: never leak them to another site.
  ["referrer-policy", "no-referrer"],
  // https://www.w3.org/TR/permissions-policy/: an API response needs no
  // powerful feature, so none is granted to it or anything it could embed.
  // Only features browsers recognise: an unknown one is a console error.
  [
    "permissions-policy",
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
  ],
]);

/** setSecurityHeaders puts {@link SECURITY_HEADERS} on a response that has not been sent. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
}
