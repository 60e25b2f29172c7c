import { createRouterTransport, type HandlerContext, type Transport } from "@connectrpc/connect";
import pino from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import { spiffeIdForService } from "../pki/index.js";
import { compileMethods } from "./compile-methods.js";
import { peerKey } from "./peer.js";
import { requestIdKey } from "./request-id.js";
import { createRequestValidator } from "./request-validator.js";
import type { ServiceRegistration } from "./service-registration.js";

/** InMemoryTransportOptions say who is calling. */
export interface InMemoryTransportOptions {
  /** The calling service's name, as its certificate would carry it; none = unidentified caller. */
  readonly caller?: string;
  readonly trustDomain?: string;
  /** Verifies end-user credentials, as the server's would; none = any credential is refused. */
  readonly authenticator?: Authenticator;
}

/**
 * createInMemoryTransport serves registrations through Connect's router
 * transport, with no sockets, but with the same platform chain as the RPC
 * server (policy, unknown fields, validation, error normalization). Handler
 * tests use it to exercise a service exactly as callers will see it.
 */
export function createInMemoryTransport(
  registrations: readonly ServiceRegistration[],
  options: InMemoryTransportOptions = {},
): Transport {
  const trustDomain = options.trustDomain ?? "protoplane.local";
  const peer = options.caller
    ? { spiffeId: spiffeIdForService(trustDomain, options.caller), service: options.caller }
    : undefined;
  const compiled = compileMethods(registrations, {
    validate: createRequestValidator(),
    logger: pino({ level: "silent" }),
    authenticator: options.authenticator,
  });
  return createRouterTransport((router) => {
    for (const m of compiled) {
      const impl = m.impl as (req: unknown, ctx: HandlerContext) => unknown;
      // The router transport has no TLS: stand in for what the server reads from the certificate.
      router.rpc(m.method, ((req: unknown, ctx: HandlerContext) => {
        ctx.values.set(peerKey, peer).set(requestIdKey, crypto.randomUUID());
        return impl(req, ctx);
      }) as never);
    }
  });
}
