import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Authenticator } from "../auth/authenticator.js";
import { authorizePrincipal } from "../auth/authorize-principal.js";
import { type Principal, principalKey } from "../auth/principal.js";
import { requestHeaderOf } from "./lean-handler-context.js";
import { peerKey } from "./peer.js";
import { requestIdKey } from "./request-id.js";
import { GATEWAY_SERVICE, type RpcPolicy } from "./rpc-policy.js";

/**
 * CallAuthenticator runs after the caller's mTLS identity passed the policy:
 * it verifies the end-user credential, if any, checks the policy's scopes and
 * puts the principal in the context. It returns undefined, not a promise,
 * when there is nothing to wait for (no credential, or one the process
 * verified before), so most calls pay no promise for it.
 */
export type CallAuthenticator = (
  policy: RpcPolicy,
  ctx: HandlerContext,
) => Promise<void> | undefined;

/**
 * createCallAuthenticator builds the chain's authentication step. Every
 * service verifies credentials again, even behind the gateway: a service
 * trusts the gateway's certificate, not its judgement. Without an
 * authenticator (a process with no key source), any call that presents or
 * needs a credential fails UNAUTHENTICATED: closed by default.
 */
export function createCallAuthenticator(
  authenticate: Authenticator | undefined,
): CallAuthenticator {
  return (policy, ctx) => {
    // Sign-up and sign-in act for nobody yet; a stale token sent along with
    // them must not make them fail.
    if (policy.anonymous) return undefined;
    const fromGateway = ctx.values.get(peerKey)?.service === GATEWAY_SERVICE;
    const authorization = requestHeaderOf(ctx, "authorization");
    if (authorization === undefined) {
      authorizePrincipal(policy, undefined, fromGateway);
      return undefined;
    }
    if (authenticate === undefined) {
      throw new ConnectError("this service verifies no credentials", Code.Unauthenticated);
    }
    const verified = authenticate(authorization, undefined, ctx.values.get(requestIdKey));
    if (verified instanceof Promise) {
      return verified.then((principal) => admit(policy, principal, fromGateway, ctx));
    }
    admit(policy, verified, fromGateway, ctx);
    return undefined;
  };
}

function admit(
  policy: RpcPolicy,
  principal: Principal | undefined,
  fromGateway: boolean,
  ctx: HandlerContext,
): void {
  authorizePrincipal(policy, principal, fromGateway);
  ctx.values.set(principalKey, principal);
}
