import type { Principal } from "../../platform/auth/principal.js";

/**
 * EdgePrincipal is the slice of platform/auth's {@link Principal} that the
 * edge reads: who a request acts for (`subject`) and with which credential
 * (`credentialId`). Scopes are checked elsewhere, so any Principal fits.
 */
export type EdgePrincipal = Pick<Principal, "kind" | "subject" | "credentialId">;

/**
 * principalKey names the account a request acts as: `user:<subject>` for a
 * user's token, `key:<credentialId>` for an API key. Rate limits count per
 * principal key, and idempotency keys are scoped to it (Stripe scopes them
 * per account), so two clients never see each other's keys. An API key is
 * its own principal: a leaked or busy key is limited without throttling
 * its owner's other sessions.
 */
export function principalKey(principal: EdgePrincipal): string {
  return principal.kind === "user" ? `user:${principal.subject}` : `key:${principal.credentialId}`;
}
