import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "./principal.js";

/** CallRule is the slice of an RPC's proto policy that authentication needs. */
export interface CallRule {
  readonly public: boolean;
  readonly anonymous: boolean;
  readonly scopes: readonly string[];
}

/**
 * needsCredential tells whether a call must carry an end-user credential:
 * a public client's call (through the gateway) to a public RPC that is not
 * anonymous. Services calling with their own identity need none; `callers`
 * in the policy already admitted them.
 */
export function needsCredential(rule: CallRule, fromGateway: boolean): boolean {
  // Internal RPCs (not public) are the gateway's own calls, e.g.
  // VerifyApiKey while it authenticates a request: they carry no user.
  return fromGateway && rule.public && !rule.anonymous;
}

/**
 * authorizePrincipal is function-level authorization (OWASP API5): the
 * principal must hold every scope the RPC's policy names. Missing
 * credentials are UNAUTHENTICATED (401: sign in), missing scopes
 * PERMISSION_DENIED (403: signing in again will not help).
 */
export function authorizePrincipal(
  rule: CallRule,
  principal: Principal | undefined,
  fromGateway: boolean,
): void {
  if (principal === undefined) {
    if (needsCredential(rule, fromGateway)) {
      throw new ConnectError("this call needs Authorization: Bearer <token>", Code.Unauthenticated);
    }
    return;
  }
  for (const scope of rule.scopes) {
    if (!principal.scopes.has(scope)) {
      throw new ConnectError(`the credential lacks the scope "${scope}"`, Code.PermissionDenied);
    }
  }
}
