import type { HandlerContext } from "@connectrpc/connect";
import { actorOf, principalKey } from "../auth/principal.js";
import { peerKey } from "../rpc/peer.js";
import { requestIdKey } from "../rpc/request-id.js";

/**
 * AuditCaller is who asks for an audited change, as a store receives it from
 * its handler: the actor and the request id of the call.
 */
export interface AuditCaller {
  /** `user:<id>`, `api_key:<id>`, `service:<name>` or `anonymous`. */
  readonly actor: string;
  readonly requestId?: string | undefined;
}

/**
 * auditCallerOf names the caller of an RPC for the audit log: the end user
 * the call acts for when a credential was verified (`user:<id>`, or
 * `api_key:<id>` for a call made with an API key), else the calling workload
 * from mTLS (`service:gateway`, `service:orders`), else `anonymous`.
 */
export function auditCallerOf(ctx: Pick<HandlerContext, "values">): AuditCaller {
  const peer = ctx.values.get(peerKey);
  const workload = peer?.service === undefined ? "anonymous" : `service:${peer.service}`;
  const actor = actorOf(ctx.values.get(principalKey), workload);
  return { actor, requestId: ctx.values.get(requestIdKey) || undefined };
}
