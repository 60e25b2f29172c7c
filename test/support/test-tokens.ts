import { ADMIN_SCOPE, DEFAULT_USER_SCOPES } from "../../platform/auth/scopes.js";
import { createTokenIssuer } from "../../platform/auth/token-issuer.js";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";

/** ADMIN_SCOPES are a signed-up user's scopes plus admin. */
export const ADMIN_SCOPES: readonly string[] = [...DEFAULT_USER_SCOPES, ADMIN_SCOPE];

/**
 * mintTestToken signs an access token with the dev key identity uses for
 * `certsDir` (created on first use), with the default issuer and audience:
 * tests act as any user without going through sign-up.
 */
export async function mintTestToken(
  certsDir: string,
  subject: string,
  scopes: readonly string[] = DEFAULT_USER_SCOPES,
): Promise<string> {
  const keys = await loadTokenKeys({ certsDir });
  const issuer = createTokenIssuer({
    keys,
    issuer: "protoplane",
    audience: "protoplane-api",
    ttlSeconds: 600,
  });
  return (await issuer.issue(subject, scopes)).accessToken;
}

/** bearer is the Authorization header value for a token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}
