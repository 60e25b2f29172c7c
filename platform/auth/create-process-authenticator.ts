import type { Transport } from "@connectrpc/connect";
import { createUpstreamTransport } from "../client/create-upstream-transport.js";
import { upstreamUrl } from "../config/upstreams.js";
import type { TlsMaterial } from "../service/resolve-tls.js";
import { type AuthSources, createIdentityAuthSources } from "./auth-sources.js";
import { type Authenticator, createAuthenticator } from "./authenticator.js";
import { createTokenVerifier } from "./token-verifier.js";

/** ProcessAuthSettings are the config keys (platform authSettings and UPSTREAMS) it reads. */
export interface ProcessAuthSettings {
  readonly authIssuer: string;
  readonly authAudience: string;
  readonly authApiKeyCacheMs: number;
  readonly upstreams: Readonly<Record<string, string>>;
}

/**
 * createProcessAuthenticator is how a service or the gateway verifies
 * credentials: with the sources given (identity's own), else by asking
 * identity over mTLS: over `identity` when the process already has a
 * transport to it (the gateway), else over one of its own, connected on
 * first use; `close` it when the process drains.
 */
export function createProcessAuthenticator(
  config: ProcessAuthSettings,
  tls: TlsMaterial,
  provided?: AuthSources,
  identity?: Transport,
): { readonly authenticate: Authenticator; close(): Promise<void> } {
  let sources = provided ?? (identity && createIdentityAuthSources(identity));
  let close = async () => {};
  if (sources === undefined) {
    const identity = createUpstreamTransport({
      upstream: "identity",
      baseUrl: upstreamUrl(config.upstreams, "identity"),
      tls,
      defaultTimeoutMs: 2_000,
    });
    close = () => identity.close();
    sources = createIdentityAuthSources(identity);
  }
  const authenticate = createAuthenticator({
    tokens: createTokenVerifier({
      keys: sources.keys,
      issuer: config.authIssuer,
      audience: config.authAudience,
    }),
    apiKeys: sources.apiKeys,
    apiKeyCacheMs: config.authApiKeyCacheMs,
  });
  return { authenticate, close };
}
