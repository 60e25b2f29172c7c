import { Code, ConnectError } from "@connectrpc/connect";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { type Authenticator, createAuthenticator } from "../../platform/auth/authenticator.js";
import { createTokenVerifier } from "../../platform/auth/token-verifier.js";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";

/**
 * createTestAuthenticator verifies what {@link mintTestToken} signs for
 * `certsDir`, as identity's key set would, for servers a test runs without
 * identity (stand-in upstreams). API keys need identity: they are refused.
 */
export async function createTestAuthenticator(certsDir: string): Promise<Authenticator> {
  const { jwks } = await loadTokenKeys({ certsDir });
  return createAuthenticator({
    tokens: createTokenVerifier({
      keys: createLocalJWKSet({ keys: [...jwks] } as unknown as JSONWebKeySet),
      issuer: "protoplane",
      audience: "protoplane-api",
    }),
    apiKeys: async () => {
      throw new ConnectError("no API keys without identity", Code.Unauthenticated);
    },
  });
}
