import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * Principal is the end user a call acts for, proven by a credential the
 * platform verified: an access token (`kind: "user"`) or an API key
 * (`kind: "api_key"`, acting for the user who created it).
 */
export interface Principal {
  readonly kind: "user" | "api_key";
  /** The user id (UUID) the credential acts for. */
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  /** The token's `jti` or the API key's id: what rate limits and audit rows may name. */
  readonly credentialId: string;
}

/**
 * principalKey holds the verified principal in `HandlerContext.values`; it is
 * undefined for calls from services that pass no end-user credential (they
 * are authorized by their mTLS identity alone). Set by the platform's call
 * chain; handlers read it with {@link principalOf}, never from headers.
 */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "authenticated end user",
});

/** principalOf is the call's verified principal, if any. */
export function principalOf(ctx: HandlerContext): Principal | undefined {
  return ctx.values.get(principalKey);
}

/** actorOf names who acts, for audit rows and logs: `user:<id>`, `api_key:<id>` or the fallback. */
export function actorOf(principal: Principal | undefined, fallback: string): string {
  if (principal === undefined) return fallback;
  return principal.kind === "user"
    ? `user:${principal.subject}`
    : `api_key:${principal.credentialId}`;
}
