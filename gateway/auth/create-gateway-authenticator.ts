import type { Authenticator } from "../../platform/auth/authenticator.js";
import { authorizePrincipal } from "../../platform/auth/authorize-principal.js";
import type { Principal } from "../../platform/auth/principal.js";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import type { GatewayAuthenticator } from "../runtime/create-gateway-handler.js";
import type { RouteSpec } from "../runtime/route-spec.js";

/**
 * createGatewayAuthenticator is the edge's authentication: it verifies the
 * request's bearer credential (access token or API key) and checks the
 * route's proto policy (a credential unless the RPC is anonymous, every
 * scope), so a refused request never reaches a service: 401 or 403 from
 * the gateway. The services check again; the gateway's verdict is an early
 * answer and a rate-limit identity, not a pass.
 */
export function createGatewayAuthenticator(
  authenticate: Authenticator,
  routes: readonly RouteSpec[],
): GatewayAuthenticator {
  const policies = new Map(routes.map((r) => [r, rpcPolicyOf(r.method)]));
  return async (req, route, span, requestId): Promise<Principal | undefined> => {
    const policy = policies.get(route) ?? rpcPolicyOf(route.method);
    // Sign-up, sign-in and the key set act for nobody; a stale token sent
    // along must not make them fail.
    if (policy.anonymous) return undefined;
    const principal = await authenticate(req.headers.authorization, span, requestId);
    authorizePrincipal(policy, principal, true);
    return principal;
  };
}
