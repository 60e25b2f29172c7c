import type { RoutePolicy } from "./route-policy.js";

// How the document states who may call an operation: one bearer scheme
// (access tokens and API keys share the Authorization header) and, per
// operation, the scopes its proto policy requires. OpenAPI 3.1 lets a
// non-OAuth scheme list "role names" in a Security Requirement Object,
// which is what our scopes are; an empty requirement list makes an operation
// anonymous.

/** SECURITY_SCHEME is the name of the one scheme in `components.securitySchemes`. */
export const SECURITY_SCHEME = "bearerAuth";

/** securitySchemes is `components.securitySchemes` (docs/auth.md). */
export const securitySchemes = {
  [SECURITY_SCHEME]: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "`Authorization: Bearer <credential>`. The credential is an access token (a JWT, RFC 9068, valid 10 minutes) from `POST /v1/auth/login`, `/v1/auth/register` or `/v1/auth/refresh`, or an API key (`ppk_…`, from `POST /v1/api-keys`) in the same header. Operations list the scopes the credential must carry, all of them; an access token carries its user's scopes, an API key the ones it was created with.",
  },
};

/** operationSecurity is an operation's `security`: its scopes, or none for an anonymous RPC. */
export function operationSecurity(policy: RoutePolicy): object[] {
  return policy.anonymous ? [] : [{ [SECURITY_SCHEME]: [...policy.scopes] }];
}

/** policyNote is the paragraph an operation's description ends with: credential, scopes, rate limit. */
export function policyNote(policy: RoutePolicy): string {
  const scopes = policy.scopes.map((s) => `\`${s}\``).join(", ");
  const credential = policy.anonymous
    ? "none; a credential sent along is ignored."
    : scopes === ""
      ? "a bearer access token or API key; no scope required."
      : `a bearer access token or API key with the scope${policy.scopes.length > 1 ? "s" : ""} ${scopes}.`;
  // gateway/edge/rate-limit-gate.ts: `auth` routes count per client IP whoever calls.
  const perIp = policy.anonymous || policy.rateLimit === "auth";
  const counted = perIp ? "per client IP" : "per caller";
  return `**Authentication:** ${credential} **Rate limit:** the \`${policy.rateLimit}\` budget, ${counted}.`;
}
